package io.github.streaminfer.transport;

import java.time.Duration;
import java.util.Objects;

/**
 * Sizes, timeouts and buffers that protect a server from slow, broken or hostile clients. Immutable; start from
 * {@link #DEFAULT} and change with {@link #toBuilder()}.
 *
 * @param maxConnections         open connections at once; more are refused (HTTP 503)
 * @param maxHttpBodyBytes       largest HTTP request body (413 beyond)
 * @param maxWebSocketFrameBytes largest WebSocket message, after reassembly of fragments (close 1009 beyond)
 * @param maxImagePixels         largest image (width × height read from its header) accepted for decoding on any
 *                               endpoint; policy endpoints have a smaller budget
 *                               ({@link MessageLimits#maxPolicyImagePixels()})
 * @param handshakeTimeout       time for a WebSocket handshake to complete
 * @param authTimeout            time for a VLA client to send its {@code auth} message after connecting (close 4408)
 * @param idleTimeout            a connection that sends nothing this long is closed (WebSocket close 4408);
 *                               SSE streams are exempt
 * @param sessionIdleTimeout     a REST detection session with no request and no event stream this long is closed
 * @param closeDrainTimeout      how long a closing session may take to finish the frames it already accepted
 * @param writeBufferLowBytes    write-buffer low watermark per connection
 * @param writeBufferHighBytes   write-buffer high watermark per connection: above it, results are conflated (only
 *                               the newest waits) until the client reads again
 * @param ssePingInterval        interval of {@code ping} events on detection event streams
 * @param socketSendBufferBytes  the kernel's send buffer per connection ({@code SO_SNDBUF}), or 0 for the
 *                               operating system's default (which may grow to megabytes). A small one makes a slow
 *                               reader show in the write-buffer watermarks sooner and bounds kernel memory per
 *                               connection
 * @param maxConnectionsPerAddress open connections from one client address at once; more are refused (HTTP 503),
 *                               so that one host cannot take every connection
 * @param requestTimeout         an HTTP request's head and body must arrive within this time of its first byte, a
 *                               connection's first request within this time of connecting (HTTP 408 and close
 *                               beyond): a client that drips a body slowly is cut off even though it is never idle
 * @param maxBufferedRequestBytes request body bytes that all connections together may hold in memory at once, counted
 *                               from the announced {@code Content-Length} (or as chunks arrive) until the response
 *                               is sent; a request beyond it is refused with HTTP 503 before its body is read
 * @param writeStallTimeout      a connection whose output stays above the write-buffer high watermark this long (the
 *                               client does not read) is closed; WebSocket pings are not answered meanwhile
 * @param maxControlFramesPerSecond WebSocket control frames (pings and pongs) one connection may send per second, with
 *                               a burst of as many again; a connection beyond it is closed with 1008. Clients ping
 *                               every few seconds at most; a flood costs the server a read and a reply per frame
 * @since 0.1.0
 */
public record ServerLimits(int maxConnections, int maxHttpBodyBytes, int maxWebSocketFrameBytes, long maxImagePixels,
                           Duration handshakeTimeout, Duration authTimeout, Duration idleTimeout,
                           Duration sessionIdleTimeout, Duration closeDrainTimeout, int writeBufferLowBytes,
                           int writeBufferHighBytes, Duration ssePingInterval, int socketSendBufferBytes,
                           int maxConnectionsPerAddress, Duration requestTimeout, long maxBufferedRequestBytes,
                           Duration writeStallTimeout, int maxControlFramesPerSecond) {

    /**
     * 1024 connections, 64 per client address, 16 MiB bodies and frames, 256 MiB of request bodies in all,
     * 3840 × 2160 pixels, 10 s handshake and auth, 30 s per request, 60 s idle, 30 s write stall, 100 control frames
     * per second.
     */
    public static final ServerLimits DEFAULT = builder().build();

    /**
     * Validates.
     *
     * @param maxConnections         see the class description
     * @param maxHttpBodyBytes       see the class description
     * @param maxWebSocketFrameBytes see the class description
     * @param maxImagePixels         see the class description
     * @param handshakeTimeout       see the class description
     * @param authTimeout            see the class description
     * @param idleTimeout            see the class description
     * @param sessionIdleTimeout     see the class description
     * @param closeDrainTimeout      see the class description
     * @param writeBufferLowBytes    see the class description
     * @param writeBufferHighBytes   see the class description
     * @param ssePingInterval        see the class description
     * @param socketSendBufferBytes  see the class description
     * @param maxConnectionsPerAddress see the class description
     * @param requestTimeout         see the class description
     * @param maxBufferedRequestBytes see the class description
     * @param writeStallTimeout      see the class description
     * @param maxControlFramesPerSecond see the class description
     */
    public ServerLimits {
        positive("maxConnections", maxConnections);
        positive("maxHttpBodyBytes", maxHttpBodyBytes);
        positive("maxWebSocketFrameBytes", maxWebSocketFrameBytes);
        positive("maxImagePixels", maxImagePixels);
        positive("handshakeTimeout", handshakeTimeout);
        positive("authTimeout", authTimeout);
        positive("idleTimeout", idleTimeout);
        positive("sessionIdleTimeout", sessionIdleTimeout);
        Objects.requireNonNull(closeDrainTimeout, "closeDrainTimeout");
        if (closeDrainTimeout.isNegative()) {
            throw new IllegalArgumentException("closeDrainTimeout is " + closeDrainTimeout + "; allowed: >= 0");
        }
        positive("writeBufferLowBytes", writeBufferLowBytes);
        if (writeBufferHighBytes < writeBufferLowBytes) {
            throw new IllegalArgumentException("writeBufferHighBytes " + writeBufferHighBytes
                    + " is below writeBufferLowBytes " + writeBufferLowBytes + "; allowed: high >= low");
        }
        positive("ssePingInterval", ssePingInterval);
        if (socketSendBufferBytes < 0) {
            throw new IllegalArgumentException("socketSendBufferBytes is " + socketSendBufferBytes
                    + "; allowed: 0 (the system's default) or > 0");
        }
        positive("maxConnectionsPerAddress", maxConnectionsPerAddress);
        positive("requestTimeout", requestTimeout);
        if (maxBufferedRequestBytes < maxHttpBodyBytes) {
            throw new IllegalArgumentException("maxBufferedRequestBytes is " + maxBufferedRequestBytes
                    + "; allowed: >= maxHttpBodyBytes (" + maxHttpBodyBytes + ")");
        }
        positive("writeStallTimeout", writeStallTimeout);
        positive("maxControlFramesPerSecond", maxControlFramesPerSecond);
    }

    private static void positive(String field, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(field + " is " + v + "; allowed: >= 1");
        }
    }

    private static void positive(String field, Duration d) {
        Objects.requireNonNull(d, field);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " is " + d + "; allowed: > 0");
        }
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder starting from these limits */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxConnections = maxConnections;
        b.maxHttpBodyBytes = maxHttpBodyBytes;
        b.maxWebSocketFrameBytes = maxWebSocketFrameBytes;
        b.maxImagePixels = maxImagePixels;
        b.handshakeTimeout = handshakeTimeout;
        b.authTimeout = authTimeout;
        b.idleTimeout = idleTimeout;
        b.sessionIdleTimeout = sessionIdleTimeout;
        b.closeDrainTimeout = closeDrainTimeout;
        b.writeBufferLowBytes = writeBufferLowBytes;
        b.writeBufferHighBytes = writeBufferHighBytes;
        b.ssePingInterval = ssePingInterval;
        b.socketSendBufferBytes = socketSendBufferBytes;
        b.maxConnectionsPerAddress = maxConnectionsPerAddress;
        b.requestTimeout = requestTimeout;
        b.maxBufferedRequestBytes = maxBufferedRequestBytes;
        b.writeStallTimeout = writeStallTimeout;
        b.maxControlFramesPerSecond = maxControlFramesPerSecond;
        return b;
    }

    /** Builder for {@link ServerLimits}; {@link #build()} validates. */
    public static final class Builder {
        private int maxConnections = 1024;
        private int maxHttpBodyBytes = 16 << 20;
        private int maxWebSocketFrameBytes = 16 << 20;
        private long maxImagePixels = 3840L * 2160;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration authTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration sessionIdleTimeout = Duration.ofSeconds(300);
        private Duration closeDrainTimeout = Duration.ofSeconds(2);
        private int writeBufferLowBytes = 32 << 10;
        private int writeBufferHighBytes = 256 << 10;
        private Duration ssePingInterval = Duration.ofSeconds(15);
        private int socketSendBufferBytes;
        private int maxConnectionsPerAddress = 64;
        private Duration requestTimeout = Duration.ofSeconds(30);
        private long maxBufferedRequestBytes = 256L << 20;
        private Duration writeStallTimeout = Duration.ofSeconds(30);
        private int maxControlFramesPerSecond = 100;

        private Builder() {
        }

        /**
         * @param v see {@link ServerLimits#maxConnections()}
         * @return this
         */
        public Builder maxConnections(int v) {
            this.maxConnections = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#maxHttpBodyBytes()}
         * @return this
         */
        public Builder maxHttpBodyBytes(int v) {
            this.maxHttpBodyBytes = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#maxWebSocketFrameBytes()}
         * @return this
         */
        public Builder maxWebSocketFrameBytes(int v) {
            this.maxWebSocketFrameBytes = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#maxImagePixels()}
         * @return this
         */
        public Builder maxImagePixels(long v) {
            this.maxImagePixels = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#handshakeTimeout()}
         * @return this
         */
        public Builder handshakeTimeout(Duration v) {
            this.handshakeTimeout = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#authTimeout()}
         * @return this
         */
        public Builder authTimeout(Duration v) {
            this.authTimeout = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#idleTimeout()}
         * @return this
         */
        public Builder idleTimeout(Duration v) {
            this.idleTimeout = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#sessionIdleTimeout()}
         * @return this
         */
        public Builder sessionIdleTimeout(Duration v) {
            this.sessionIdleTimeout = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#closeDrainTimeout()}
         * @return this
         */
        public Builder closeDrainTimeout(Duration v) {
            this.closeDrainTimeout = v;
            return this;
        }

        /**
         * @param low  see {@link ServerLimits#writeBufferLowBytes()}
         * @param high see {@link ServerLimits#writeBufferHighBytes()}
         * @return this
         */
        public Builder writeBufferWatermarks(int low, int high) {
            this.writeBufferLowBytes = low;
            this.writeBufferHighBytes = high;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#ssePingInterval()}
         * @return this
         */
        public Builder ssePingInterval(Duration v) {
            this.ssePingInterval = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#socketSendBufferBytes()}
         * @return this
         */
        public Builder socketSendBufferBytes(int v) {
            this.socketSendBufferBytes = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#maxConnectionsPerAddress()}
         * @return this
         */
        public Builder maxConnectionsPerAddress(int v) {
            this.maxConnectionsPerAddress = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#requestTimeout()}
         * @return this
         */
        public Builder requestTimeout(Duration v) {
            this.requestTimeout = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#maxBufferedRequestBytes()}
         * @return this
         */
        public Builder maxBufferedRequestBytes(long v) {
            this.maxBufferedRequestBytes = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#writeStallTimeout()}
         * @return this
         */
        public Builder writeStallTimeout(Duration v) {
            this.writeStallTimeout = v;
            return this;
        }

        /**
         * @param v see {@link ServerLimits#maxControlFramesPerSecond()}
         * @return this
         */
        public Builder maxControlFramesPerSecond(int v) {
            this.maxControlFramesPerSecond = v;
            return this;
        }

        /** @return the validated limits */
        public ServerLimits build() {
            return new ServerLimits(maxConnections, maxHttpBodyBytes, maxWebSocketFrameBytes, maxImagePixels,
                    handshakeTimeout, authTimeout, idleTimeout, sessionIdleTimeout, closeDrainTimeout,
                    writeBufferLowBytes, writeBufferHighBytes, ssePingInterval, socketSendBufferBytes,
                    maxConnectionsPerAddress, requestTimeout, maxBufferedRequestBytes, writeStallTimeout,
                    maxControlFramesPerSecond);
        }
    }
}
