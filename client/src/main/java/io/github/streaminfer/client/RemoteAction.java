package io.github.streaminfer.client;

/**
 * An action a remote policy returned for one observation.
 *
 * @param frameId         the observation's number on this policy (1, 2, 3, ... across reconnects)
 * @param values          the action values, as the server sent them
 * @param safetyScore     the server's safety score in [0, 1]
 * @param executable      the server's verdict (false while its own safety chain holds)
 * @param serverLatencyMs the server's time from the frame's arrival to the action
 * @param roundTripNanos  from sending the observation to receiving this action
 * @param captureNanos    the observation's capture time, on the controller's clock
 * @param receivedNanos   when the action arrived, on {@link System#nanoTime()}
 * @since 0.1.0
 */
public record RemoteAction(long frameId, float[] values, double safetyScore, boolean executable,
                           double serverLatencyMs, long roundTripNanos, long captureNanos, long receivedNanos) {
}
