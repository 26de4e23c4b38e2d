package io.github.streaminfer.transport.internal.pages;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The camera tap finds a frame's id in its {@code frame_metadata} and in the {@code detection_result} by scanning
 * instead of parsing; both sides must read the same id the JSON parser would, or the viewers never get the frame.
 */
class CameraTapIdScanTest {
    private static ByteBuf json(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void scannedIdsMatchWhatTheParserReadsForStringsNumbersSpacesAndEscapes() {
        assertThat(CameraTap.metadataId(json("{\"type\":\"frame_metadata\",\"frameNumber\":12,\"width\":320}")))
                .isEqualTo("12");
        assertThat(CameraTap.metadataId(json("{\"type\": \"frame_metadata\", \"frame_id\": \"cam-7\", \"frameNumber\": 3}")))
                .isEqualTo("cam-7");
        assertThat(CameraTap.metadataId(json("{\"type\":\"frame_metadata\",\"frame_id\":\"a\\\"b\\u0041\"}")))
                .isEqualTo("a\"bA");
        assertThat(CameraTap.metadataId(json("{\"type\":\"frame_metadata\",\"frame_id\":null,\"frameNumber\":4}")))
                .as("a null frame_id falls back to frameNumber").isEqualTo("4");
        assertThat(CameraTap.metadataId(json("{\"type\":\"frame_metadata\",\"width\":320}"))).isNull();
        assertThat(CameraTap.frameId(json("{\"type\":\"detection_result\",\"data\":{\"frame_id\":12,\"detections\":"
                + "[{\"bbox\":[1,2,3,4],\"frame_id\":99}]}}"))).as("the data's id, not a later one").isEqualTo("12");
        assertThat(CameraTap.frameId(json("{\"type\":\"detection_result\",\"data\":{\"frame_id\":\"x\\\\y\"}}")))
                .isEqualTo("x\\y");
    }
}
