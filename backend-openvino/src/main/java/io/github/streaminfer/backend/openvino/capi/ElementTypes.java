package io.github.streaminfer.backend.openvino.capi;

import io.github.streaminfer.tensor.DType;

/**
 * Maps OpenVINO's {@code ov_element_type_e} codes to StreamInfer's {@link DType} and back.
 *
 * <p>The enum's numbering changed in OpenVINO 2024.2, which inserted {@code U2}, {@code U3} and {@code U6}: codes up
 * to {@code I64} (11) are the same in every release, {@code U8} is 14 before 2024.2 and 17 from 2024.2 on. An
 * instance is made for the runtime's version ({@link #forVersion(String)}).
 *
 * <p><b>Note:</b> immutable and thread-safe.
 */
public final class ElementTypes {
    /** {@code BOOLEAN}: one byte per element. */
    public static final int BOOLEAN = 2;
    /** {@code BF16}. */
    public static final int BF16 = 3;
    /** {@code F16}. */
    public static final int F16 = 4;
    /** {@code F32}. */
    public static final int F32 = 5;
    /** {@code F64}. */
    public static final int F64 = 6;
    /** {@code I32}. */
    public static final int I32 = 10;
    /** {@code I64}. */
    public static final int I64 = 11;
    /** {@code U8} before OpenVINO 2024.2. */
    public static final int U8_BEFORE_2024_2 = 14;
    /** {@code U8} from OpenVINO 2024.2 on. */
    public static final int U8 = 17;

    private static final String[] NAMES_BEFORE_2024_2 = {"undefined", "dynamic", "boolean", "bf16", "f16", "f32",
        "f64", "i4", "i8", "i16", "i32", "i64", "u1", "u4", "u8", "u16", "u32", "u64", "nf4", "f8e4m3", "f8e5m2"};
    private static final String[] NAMES = {"undefined", "dynamic", "boolean", "bf16", "f16", "f32", "f64", "i4",
        "i8", "i16", "i32", "i64", "u1", "u2", "u3", "u4", "u6", "u8", "u16", "u32", "u64", "nf4", "f8e4m3",
        "f8e5m2", "string", "f4e2m1", "f8e8m0"};

    private final boolean before2024v2;

    private ElementTypes(boolean before2024v2) {
        this.before2024v2 = before2024v2;
    }

    /**
     * Picks the numbering of an OpenVINO release.
     *
     * @param buildNumber the runtime's build number, e.g. {@code 2025.4.0-20398-8b9a7d1fb20-releases/2025/4}
     * @return the mapping for that release; the current numbering when the text has no {@code YEAR.MINOR} prefix
     */
    public static ElementTypes forVersion(String buildNumber) {
        int[] yearMinor = yearAndMinor(buildNumber);
        boolean old = yearMinor != null && (yearMinor[0] < 2024 || (yearMinor[0] == 2024 && yearMinor[1] < 2));
        return new ElementTypes(old);
    }

    /** {@return the numbering of OpenVINO 2024.2 and later} */
    public static ElementTypes current() {
        return new ElementTypes(false);
    }

    static int[] yearAndMinor(String buildNumber) {
        if (buildNumber == null) {
            return null;
        }
        int dot = buildNumber.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        int end = dot + 1;
        while (end < buildNumber.length() && Character.isDigit(buildNumber.charAt(end))) {
            end++;
        }
        try {
            return new int[] {Integer.parseInt(buildNumber.substring(0, dot)),
                Integer.parseInt(buildNumber.substring(dot + 1, end))};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Gives the OpenVINO code of a StreamInfer element type.
     *
     * @param dtype a StreamInfer element type
     * @return its {@code ov_element_type_e} code in this numbering
     */
    public int code(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> F32;
            case FLOAT16 -> F16;
            case INT64 -> I64;
            case INT32 -> I32;
            case UINT8 -> before2024v2 ? U8_BEFORE_2024_2 : U8;
            case BOOL -> BOOLEAN;
        };
    }

    /**
     * Gives the StreamInfer element type of an OpenVINO code.
     *
     * @param code an {@code ov_element_type_e} code
     * @return the matching element type, or {@code null} if StreamInfer has none (bf16, f64, i8, …)
     */
    public DType dtype(int code) {
        if (code == F32) {
            return DType.FLOAT32;
        } else if (code == F16) {
            return DType.FLOAT16;
        } else if (code == I64) {
            return DType.INT64;
        } else if (code == I32) {
            return DType.INT32;
        } else if (code == BOOLEAN) {
            return DType.BOOL;
        } else if (code == (before2024v2 ? U8_BEFORE_2024_2 : U8)) {
            return DType.UINT8;
        }
        return null;
    }

    /**
     * Names a code for messages.
     *
     * @param code an {@code ov_element_type_e} code
     * @return OpenVINO's name for it, e.g. {@code bf16}, or {@code code N} for an unknown code
     */
    public String name(int code) {
        String[] names = before2024v2 ? NAMES_BEFORE_2024_2 : NAMES;
        return code >= 0 && code < names.length ? names[code] : "code " + code;
    }

    @Override
    public String toString() {
        return before2024v2 ? "ov_element_type_e before 2024.2" : "ov_element_type_e of 2024.2+";
    }
}
