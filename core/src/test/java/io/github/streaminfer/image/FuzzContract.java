package io.github.streaminfer.image;

/** What every fuzz target of this package asks of a refusal: an exception that says what is wrong. */
final class FuzzContract {
    private FuzzContract() {
    }

    static void requireMessage(RuntimeException e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            throw new AssertionError("refused without a message", e);
        }
    }
}
