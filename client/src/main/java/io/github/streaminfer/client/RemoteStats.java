package io.github.streaminfer.client;

import java.util.Map;

/**
 * A remote policy's counters since it was created, across reconnects.
 *
 * <p>Every submitted frame ends in exactly one of: {@code actions}, {@code errors} (the server answered with an
 * error; {@code errorsByCode} splits them, and "Frame queue full" drops are among them), {@code lostInFlight} (sent,
 * then the connection broke before the reply), {@code replaced} (waiting to be sent when a newer one replaced it),
 * {@code refused} (no connection at the time), or still pending ({@code inFlight} plus the one waiting frame).
 *
 * @param state              the connection's state now
 * @param connects           successful connections (the first included)
 * @param disconnects        connections lost while the policy was open
 * @param submitted          {@code submit} calls
 * @param sent               frames sent to a server
 * @param actions            actions received
 * @param errors             error replies to frames
 * @param errorsByCode       error replies by {@code code}
 * @param lostInFlight       frames sent whose connection broke before they were answered
 * @param replaced           frames replaced by a newer one before they were sent
 * @param refused            frames submitted while no connection was up
 * @param inFlight           frames sent and not yet answered now
 * @param roundTripP50Ms     median round trip of the last 1024 actions, ms (NaN before any)
 * @param roundTripP99Ms     99th percentile of the same, ms (NaN before any)
 * @param clockOffsetMs      server wall clock minus ours, ms (NaN before any reply carried a time)
 * @param clockUncertaintyMs half the round trip the offset estimate rests on, ms
 * @param lastError          the last connection error, or null
 * @since 0.1.0
 */
public record RemoteStats(RemotePolicy.State state, long connects, long disconnects, long submitted, long sent,
                          long actions, long errors, Map<String, Long> errorsByCode, long lostInFlight,
                          long replaced, long refused, int inFlight, double roundTripP50Ms, double roundTripP99Ms,
                          double clockOffsetMs, double clockUncertaintyMs, String lastError) {
}
