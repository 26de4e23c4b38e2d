package io.github.streaminfer.session;

/**
 * How many threads call {@link StreamingInferenceSession#submit}. {@link #SINGLE} lets the session use
 * single-producer queues, which are cheaper; calling {@code submit} from two threads of a {@code SINGLE} session
 * corrupts its queue.
 *
 * @since 0.1.0
 */
public enum ProducerMode {
    /** Exactly one thread submits (a camera loop, one WebSocket connection). */
    SINGLE,
    /** Any number of threads submit. */
    MULTI
}
