package io.github.streaminfer.msgpack;

/**
 * The type families of msgpack: what {@link MsgpackReader#nextType()} says the next value is.
 *
 * @since 0.1.0
 */
public enum MsgpackType {
    /** nil ({@code 0xc0}). */
    NIL,
    /** true or false. */
    BOOLEAN,
    /** A signed or unsigned integer, up to 64 bits, in any of its formats. */
    INTEGER,
    /** float 32 or float 64. */
    FLOAT,
    /** A UTF-8 string (fixstr, str 8, 16, 32). */
    STRING,
    /** A byte string (bin 8, 16, 32). */
    BINARY,
    /** An array (fixarray, array 16, 32). */
    ARRAY,
    /** A map (fixmap, map 16, 32). */
    MAP,
    /** An extension type (fixext, ext 8, 16, 32): recognised, never decoded. */
    EXTENSION;

    /**
     * {@return the type of a format byte}
     *
     * @param format the first byte of a value, 0 to 255
     * @throws MsgpackException if it is {@code 0xc1}, the one byte msgpack never uses
     */
    static MsgpackType of(int format, int position) throws MsgpackException {
        if (format <= 0x7f || format >= 0xe0) {
            return INTEGER;
        }
        if (format <= 0x8f) {
            return MAP;
        }
        if (format <= 0x9f) {
            return ARRAY;
        }
        if (format <= 0xbf) {
            return STRING;
        }
        switch (format) {
            case 0xc0:
                return NIL;
            case 0xc1:
                throw new MsgpackException(MsgpackException.Reason.NEVER_USED, position,
                        "byte 0xc1 at byte " + position + " is not a msgpack type");
            case 0xc2:
            case 0xc3:
                return BOOLEAN;
            case 0xc4:
            case 0xc5:
            case 0xc6:
                return BINARY;
            case 0xca:
            case 0xcb:
                return FLOAT;
            case 0xd9:
            case 0xda:
            case 0xdb:
                return STRING;
            case 0xdc:
            case 0xdd:
                return ARRAY;
            case 0xde:
            case 0xdf:
                return MAP;
            default:
                // 0xc7..0xc9 ext 8/16/32, 0xd4..0xd8 fixext; 0xcc..0xd3 are the sized integers
                return format >= 0xcc && format <= 0xd3 ? INTEGER : EXTENSION;
        }
    }
}
