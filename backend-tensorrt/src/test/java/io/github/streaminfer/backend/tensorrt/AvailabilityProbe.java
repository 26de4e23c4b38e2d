package io.github.streaminfer.backend.tensorrt;

/**
 * Prints what {@link TensorRtBackend} decides in a fresh JVM: {@code available=…}, {@code nanos=…} and
 * {@code cause=…} lines. Run by {@link DriverlessCudaTest} with a changed library path.
 */
final class AvailabilityProbe {
    private AvailabilityProbe() {
    }

    /**
     * Prints the decision.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        TensorRtBackend b = new TensorRtBackend();
        boolean available = b.isAvailable();
        System.out.println("available=" + available);
        System.out.println("nanos=" + b.availabilityCheckNanos());
        System.out.println("cause=" + (available ? "" : b.unavailabilityCause().getMessage()));
        // a second question must give the same answer without touching native code again
        System.out.println("again=" + (b.isAvailable() == available));
    }
}
