package io.github.streaminfer.transport.internal.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 exchange at a time per connection, each request bounded before its body is buffered:
 * <ul>
 *   <li><b>order:</b> a pipelined request waits, and reading pauses, until the response before it is complete, so
 *       responses leave in request order (RFC 9112, section 9.3.2), whether a route answers at once or later from
 *       another thread;</li>
 *   <li><b>deadline:</b> a request's head and body must arrive within
 *       {@link io.github.streaminfer.transport.ServerLimits#requestTimeout()} of its first byte, the first request
 *       within that time of the connection opening (408, then close), so a client that drips its body is cut off
 *       although it is never idle, and a silent socket does not hold a connection slot for the idle timeout;</li>
 *   <li><b>key first:</b> where keys are configured, a request with a body must carry a valid key in its headers; it
 *       is refused with 401 and the connection closed before any of the body is kept;</li>
 *   <li><b>budget:</b> the announced body (or each chunk of a chunked one) is reserved against
 *       {@link io.github.streaminfer.transport.ServerLimits#maxBufferedRequestBytes()}, shared by all connections,
 *       until its response is complete; a request beyond it is refused with 503 and the connection closed.</li>
 * </ul>
 * The router removes both of its handlers when a connection becomes a WebSocket.
 *
 * <p><b>Note:</b> one instance per connection; event loop only.
 */
public final class HttpExchange extends ChannelDuplexHandler {
    /** Pipeline name of this handler. */
    public static final String NAME = "http-exchange";
    /** Pipeline name of {@link #firstByteWatch()}, which sits before the HTTP codec. */
    public static final String FIRST_BYTE = "http-first-byte";

    private final ServerContext server;
    /** Pipelined messages that wait for the response before them; reading is paused while any wait. */
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    /** A request was passed on and its response is not complete. */
    private boolean awaitingResponse;
    /** The request passed on last has not been passed on whole yet: its body is still arriving. */
    private boolean forwarding;
    /** A request's bytes are arriving and its last content has not been decoded yet. */
    private boolean receiving;
    /** A request was refused and the connection is closing: everything else it sent is dropped. */
    private boolean refused;
    /** The current request is chunked: its chunks are reserved as they arrive. */
    private boolean reserveChunks;
    private long reserved;
    private ScheduledFuture<?> deadline;

    /** @param server server state */
    public HttpExchange(ServerContext server) {
        this.server = server;
    }

    /** {@return the handler that goes before the HTTP codec and starts each request's deadline at its first byte} */
    public ChannelHandler firstByteWatch() {
        return new FirstByte();
    }

    /**
     * Sees raw bytes: the first of a request starts its deadline. The first request's deadline starts when the
     * connection opens, so a socket that never sends anything holds its slot no longer than a request may take.
     */
    private final class FirstByte extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext c) throws Exception {
            startDeadline(c);
            super.channelActive(c);
        }

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            startDeadline(c);
            c.fireChannelRead(msg);
        }

        private void startDeadline(ChannelHandlerContext c) {
            if (!receiving && !refused) {
                receiving = true;
                deadline = c.executor().schedule(HttpExchange.this::deadlinePassed,
                        server.limits.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (msg instanceof LastHttpContent) {
            receiving = false; // the whole request arrived in time, whenever it is served
            cancelDeadline();
        }
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!waiting.isEmpty() || msg instanceof HttpRequest && awaitingResponse) {
            waiting.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        process(msg);
    }

    private void process(Object msg) {
        if (msg instanceof HttpRequest req) {
            if (refuse(req)) {
                refused = true;
                ReferenceCountUtil.release(msg);
                releaseWaiting();
                return;
            }
            awaitingResponse = true;
            forwarding = true;
        } else if (reserveChunks && msg instanceof HttpContent c && !reserve(c.content().readableBytes())) {
            refuseOverBudget();
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof LastHttpContent) {
            forwarding = false;
        }
        ctx.fireChannelRead(msg);
    }

    /** {@return true if the request was refused (answered, connection closing)} */
    private boolean refuse(HttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            return false; // the router answers 400
        }
        long length = HttpUtil.getContentLength(req, -1L);
        boolean chunked = HttpUtil.isTransferEncodingChunked(req);
        if ((length > 0 || chunked) && !server.access.isOpen()) {
            String key = Http.apiKey(req, new QueryStringDecoder(req.uri()));
            if (server.access.authenticate(key) == null) {
                server.counter("auth_failures_total").increment();
                server.counter("requests_refused_before_body_total").increment();
                Http.error(ctx.channel(), null, HttpResponseStatus.UNAUTHORIZED, Http.authFailure(key));
                return true;
            }
        }
        reserveChunks = chunked;
        if (length > 0 && length <= server.limits.maxHttpBodyBytes() && !reserve(length)) {
            refuseOverBudget();
            return true;
        }
        return false; // a body over maxHttpBodyBytes is the aggregator's to refuse (413)
    }

    private boolean reserve(long bytes) {
        if (server.bufferedRequestBytes.addAndGet(bytes) > server.limits.maxBufferedRequestBytes()) {
            server.bufferedRequestBytes.addAndGet(-bytes);
            return false;
        }
        reserved += bytes;
        return true;
    }

    private void refuseOverBudget() {
        refused = true;
        releaseWaiting();
        server.counter("requests_refused_buffer_budget_total").increment();
        if (awaitingResponse && !forwarding) {
            ctx.close(); // the response owed is an earlier request's: a 503 may not overtake it
        } else {
            Http.error(ctx.channel(), null, HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "server is busy: too many request bytes in flight; try again later");
        }
    }

    private void deadlinePassed() {
        deadline = null;
        if (!receiving || !ctx.channel().isActive()) {
            return;
        }
        server.counter("requests_timed_out_total").increment();
        refused = true;
        releaseWaiting();
        if (awaitingResponse && !forwarding) {
            ctx.close(); // the response owed is an earlier request's: a 408 may not overtake it
        } else {
            Http.error(ctx.channel(), null, HttpResponseStatus.REQUEST_TIMEOUT, "request not received within "
                    + server.limits.requestTimeout().toMillis() / 1000.0 + " s");
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        boolean ends = msg instanceof LastHttpContent && !(msg instanceof HttpResponse r
                && r.status().codeClass() == HttpStatusClass.INFORMATIONAL);
        ctx.write(msg, promise);
        if (ends) {
            responseComplete();
        }
    }

    private void responseComplete() {
        awaitingResponse = false;
        releaseReservation();
        if (!waiting.isEmpty()) {
            ctx.executor().execute(this::serveWaiting); // not inside the write that completed the response
        }
    }

    private void serveWaiting() {
        for (Object m; !refused && (m = waiting.peek()) != null; ) {
            if (m instanceof HttpRequest && awaitingResponse) {
                return;
            }
            waiting.poll();
            process(m);
        }
        if (waiting.isEmpty() && ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void releaseReservation() {
        if (reserved != 0) {
            server.bufferedRequestBytes.addAndGet(-reserved);
            reserved = 0;
        }
    }

    private void releaseWaiting() {
        for (Object m; (m = waiting.poll()) != null; ) {
            ReferenceCountUtil.release(m);
        }
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelDeadline();
        receiving = false;
        releaseWaiting();
        releaseReservation();
        if (ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelDeadline();
        releaseWaiting();
        releaseReservation();
        super.channelInactive(ctx);
    }
}
