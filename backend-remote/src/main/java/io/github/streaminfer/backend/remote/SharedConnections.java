package io.github.streaminfer.backend.remote;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One connection per endpoint, shared by every model loaded from it (and so by every session over those models):
 * one gRPC {@link ManagedChannel} or one {@link HttpClient} per endpoint and trust setting, counted by reference
 * and shut down when the last model using it closes.
 *
 * <p><b>Note:</b> thread-safe; acquiring and releasing take this class's monitor (load and close only, never a
 * run).
 */
final class SharedConnections {
    private static final Map<String, Entry<ManagedChannel>> CHANNELS = new HashMap<>();
    private static final Map<String, Entry<HttpClient>> HTTP_CLIENTS = new HashMap<>();

    private SharedConnections() {
    }

    private static final class Entry<T> {
        final T connection;
        int references;

        Entry(T connection) {
            this.connection = connection;
        }
    }

    private static String key(RemoteConfig config) {
        return config.endpoint().getScheme().toLowerCase() + "://" + config.endpoint().getHost() + ":"
                + config.endpoint().getPort() + "|" + config.trustedCertificates();
    }

    /** {@return the shared channel for the config's gRPC endpoint, its reference count raised by one} */
    static ManagedChannel acquireChannel(RemoteConfig config) {
        return acquire(CHANNELS, config, SharedConnections::newChannel);
    }

    /** Lowers the channel's reference count; shuts it down at zero. */
    static void releaseChannel(RemoteConfig config) {
        ManagedChannel last = release(CHANNELS, config);
        if (last != null) {
            last.shutdown();
            try {
                if (!last.awaitTermination(2, TimeUnit.SECONDS)) {
                    last.shutdownNow();
                }
            } catch (InterruptedException e) {
                last.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@return the shared HTTP client for the config's REST endpoint, its reference count raised by one} */
    static HttpClient acquireHttpClient(RemoteConfig config) {
        return acquire(HTTP_CLIENTS, config, SharedConnections::newHttpClient);
    }

    /** Lowers the HTTP client's reference count; drops it at zero. */
    static void releaseHttpClient(RemoteConfig config) {
        release(HTTP_CLIENTS, config);
    }

    /** {@return how many endpoints have a live shared connection} For tests of the sharing. */
    static synchronized int openConnections() {
        return CHANNELS.size() + HTTP_CLIENTS.size();
    }

    private static synchronized <T> T acquire(Map<String, Entry<T>> map, RemoteConfig config,
                                              Function<RemoteConfig, T> factory) {
        Entry<T> e = map.computeIfAbsent(key(config), k -> new Entry<>(factory.apply(config)));
        e.references++;
        return e.connection;
    }

    private static synchronized <T> T release(Map<String, Entry<T>> map, RemoteConfig config) {
        String key = key(config);
        Entry<T> e = map.get(key);
        if (e == null || --e.references > 0) {
            return null;
        }
        map.remove(key);
        return e.connection;
    }

    private static ManagedChannel newChannel(RemoteConfig config) {
        ChannelCredentials credentials;
        if (config.tls()) {
            TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
            if (config.trustedCertificates() != null) {
                try {
                    tls.trustManager(config.trustedCertificates().toFile());
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot read trustedCertificates "
                            + config.trustedCertificates() + ": " + e.getMessage(), e);
                }
            }
            credentials = tls.build();
        } else {
            credentials = InsecureChannelCredentials.create();
        }
        return Grpc.newChannelBuilderForAddress(config.endpoint().getHost(), config.endpoint().getPort(), credentials)
                .maxInboundMessageSize(256 << 20)
                .build();
    }

    private static HttpClient newHttpClient(RemoteConfig config) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.controlDeadline());
        if (config.trustedCertificates() != null) {
            b.sslContext(sslContext(config));
        }
        return b.build();
    }

    private static SSLContext sslContext(RemoteConfig config) {
        try (InputStream in = Files.newInputStream(config.trustedCertificates())) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("trusted-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use trustedCertificates " + config.trustedCertificates()
                    + ": " + e.getMessage(), e);
        }
    }

    /** {@return {@code d} in whole milliseconds, at least 1} */
    static long millis(Duration d) {
        return Math.max(1, d.toMillis());
    }
}
