package io.github.streaminfer.server;

import io.github.streaminfer.transport.AccessPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --allow-origin} gives the standalone server a browser Origin allow-list. */
class OriginOptionTest {

    @Test
    void allowedOriginsReachTheAccessPolicyAndOthersAreRefused() {
        ServerOptions o = ServerOptions.parse(new String[]{"--allow-origin", "https://app.example.com",
                "--allow-origin", "http://localhost:3000", "--api-key", "pro_key_0123456789:pro"});
        assertThat(o.allowedOrigins).containsExactly("https://app.example.com", "http://localhost:3000");
        AccessPolicy access = StreamingServerMain.access(o.apiKeys, o.allowedOrigins);
        assertThat(access.originAllowed("https://app.example.com")).isTrue();
        assertThat(access.originAllowed("https://evil.example.com")).isFalse();
        assertThat(access.originAllowed(null)).as("non-browser clients send no Origin").isTrue();
    }

    @Test
    void withoutTheOptionEveryOriginIsAllowed() {
        ServerOptions o = ServerOptions.parse(new String[0]);
        assertThat(StreamingServerMain.access(o.apiKeys, o.allowedOrigins).originAllowed("https://any.example"))
                .isTrue();
        assertThat(List.of(ServerOptions.USAGE.split("\n"))).anyMatch(l -> l.contains("--allow-origin"));
    }

    @Test
    void aMalformedOriginIsRefusedNamingTheOption() {
        assertThatThrownBy(() -> ServerOptions.parse(new String[]{"--allow-origin", "https://app.example.com/"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--allow-origin: origin 'https://app.example.com/' is invalid");
    }
}
