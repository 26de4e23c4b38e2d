package io.github.streaminfer.backend.openvino.capi;

import io.github.streaminfer.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class ElementTypesTest {

    @Test
    void everyDTypeMapsToItsOpenVinoCodeAndBack() {
        for (ElementTypes types : new ElementTypes[] {ElementTypes.forVersion("2023.3.0-13775"),
            ElementTypes.forVersion("2025.4.0-20398")}) {
            for (DType d : DType.values()) {
                assertThat(types.dtype(types.code(d))).as("%s in %s", d, types).isEqualTo(d);
            }
        }
    }

    @Test
    void codesMatchOpenVinosHeader() {
        ElementTypes t = ElementTypes.current();
        assertThat(t.code(DType.BOOL)).isEqualTo(2);
        assertThat(t.code(DType.FLOAT16)).isEqualTo(4);
        assertThat(t.code(DType.FLOAT32)).isEqualTo(5);
        assertThat(t.code(DType.INT32)).isEqualTo(10);
        assertThat(t.code(DType.INT64)).isEqualTo(11);
        assertThat(t.code(DType.UINT8)).isEqualTo(17);
        assertThat(t.name(17)).isEqualTo("u8");
        assertThat(t.name(3)).isEqualTo("bf16");
        assertThat(t.name(24)).isEqualTo("string");
        assertThat(t.name(99)).isEqualTo("code 99");
    }

    @ParameterizedTest
    @CsvSource({"2022.3.0-9052, 14", "2024.1.0-15008-f4afc983258-releases/2024/1, 14", "2024.2.0-15519, 17",
        "2025.4.0-20398-8b9a7d1fb20-releases/2025/4, 17", "custom_build, 17", "'', 17"})
    void u8MovedFrom14To17InOpenVino2024_2(String buildNumber, int u8) {
        ElementTypes t = ElementTypes.forVersion(buildNumber);
        assertThat(t.code(DType.UINT8)).isEqualTo(u8);
        assertThat(t.dtype(u8)).isEqualTo(DType.UINT8);
        assertThat(t.name(u8)).isEqualTo("u8");
    }

    @Test
    void typesStreamInferLacksMapToNull() {
        ElementTypes t = ElementTypes.current();
        for (int code : new int[] {0, 1, ElementTypes.BF16, ElementTypes.F64, 8, 9, 14, 20, 24}) {
            assertThat(t.dtype(code)).as("code %d (%s)", code, t.name(code)).isNull();
        }
        assertThat(ElementTypes.forVersion("2023.0.0").dtype(17)).as("u64 before 2024.2").isNull();
    }
}
