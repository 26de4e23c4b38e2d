package io.github.streaminfer.msgpack;

/**
 * Bytes that are not the msgpack a {@link MsgpackReader} was asked to read: what is wrong ({@link #reason()}), where
 * ({@link #position()}), and a message in this project's words that quotes none of the input.
 *
 * @since 0.1.0
 */
public final class MsgpackException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the bytes. */
    public enum Reason {
        /** The input ends inside a value. */
        TRUNCATED,
        /** The byte {@code 0xc1}, which msgpack never uses. */
        NEVER_USED,
        /** A 32-bit length or count of 2^31 or more, beyond what a Java array holds. */
        SIZE_OVERFLOW,
        /** An unsigned 64-bit integer above {@link Long#MAX_VALUE} read as a {@code long}. */
        INTEGER_OVERFLOW,
        /** The next value is not of the type asked for (an extension type included). */
        TYPE_MISMATCH
    }

    private final Reason reason;
    private final int position;

    /**
     * Creates the exception.
     *
     * @param reason   what is wrong
     * @param position the byte offset, from the reader's start, where it was found
     * @param message  the description
     */
    public MsgpackException(Reason reason, int position, String message) {
        super(message, null, false, false);
        this.reason = reason;
        this.position = position;
    }

    /** {@return what is wrong} */
    public Reason reason() {
        return reason;
    }

    /**
     * {@return the reader's position when it stopped}: at the value for {@link Reason#NEVER_USED} and
     * {@link Reason#TYPE_MISMATCH}; after the format byte (and after the length for {@link Reason#SIZE_OVERFLOW}) for
     * the others
     */
    public int position() {
        return position;
    }
}
