package io.github.streaminfer.transport.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.AccessPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * HTTP response and SSE helpers.
 *
 * <p><b>Note:</b> stateless; call from the channel's event loop unless stated otherwise.
 */
public final class Http {
    private Http() {
    }

    /**
     * Sends a JSON response, honouring keep-alive.
     *
     * @param ch     channel
     * @param req    the request (for keep-alive), or null to close after
     * @param status status
     * @param body   JSON body
     */
    public static void json(Channel ch, FullHttpRequest req, HttpResponseStatus status, JsonNode body) {
        send(ch, req, status, Json.encode(ch.alloc(), body), "application/json");
    }

    /**
     * Sends {@code {"error": message, "status": code}}.
     *
     * @param ch      channel
     * @param req     the request or null
     * @param status  status
     * @param message client-safe message
     */
    public static void error(Channel ch, FullHttpRequest req, HttpResponseStatus status, String message) {
        ObjectNode o = Json.object();
        o.put("error", message);
        o.put("status", status.code());
        json(ch, req, status, o);
    }

    /**
     * {@return a {@code {"error": message, "status": code}} response} for a handler that returns its response
     * instead of writing it.
     *
     * @param status  status
     * @param message client-safe message
     * @param alloc   allocator for the body
     */
    public static FullHttpResponse errorResponse(HttpResponseStatus status, String message, ByteBufAllocator alloc) {
        ObjectNode o = Json.object();
        o.put("error", message);
        o.put("status", status.code());
        ByteBuf body = Json.encode(alloc, o);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setContentLength(res, body.readableBytes());
        return res;
    }

    /**
     * @param ch          channel
     * @param req         request or null
     * @param status      status
     * @param body        body (ownership passes)
     * @param contentType content type
     */
    public static void send(Channel ch, FullHttpRequest req, HttpResponseStatus status, ByteBuf body,
                            String contentType) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setContentLength(res, body.readableBytes());
        if (status == HttpResponseStatus.UNAUTHORIZED) {
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Api-Key");
        }
        boolean keepAlive = req != null && HttpUtil.isKeepAlive(req) && status.code() < 500;
        HttpUtil.setKeepAlive(res, keepAlive);
        ChannelFuture f = ch.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * @param ch   channel
     * @param req  request
     * @param text plain text body
     */
    public static void text(Channel ch, FullHttpRequest req, String text) {
        send(ch, req, HttpResponseStatus.OK, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8),
                "text/plain; charset=utf-8");
    }

    /**
     * Starts an SSE response (status 200, chunked, no caching, {@code Connection: close}).
     *
     * @param ch channel
     * @return the write future
     */
    public static ChannelFuture startSse(Channel ch) {
        HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        res.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE); // the stream ends with the connection
        res.headers().set("X-Accel-Buffering", "no");
        return ch.writeAndFlush(res);
    }

    /**
     * Wraps JSON as one SSE {@code data:} event. Safe from any thread.
     *
     * @param json the event's JSON (one line; ownership passes)
     * @return the chunk
     */
    public static HttpContent sseEvent(ByteBuf json) {
        ByteBuf prefix = Unpooled.wrappedBuffer(DATA);
        ByteBuf suffix = Unpooled.wrappedBuffer(END);
        return new DefaultHttpContent(Unpooled.wrappedUnmodifiableBuffer(prefix, json, suffix));
    }

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * The API key of a request: {@code X-API-Key}, {@code Authorization: Api-Key k} or {@code Bearer k}, or the
     * {@code api_key} query parameter (browsers cannot set headers on WebSockets).
     *
     * @param req   request
     * @param query its decoded query, or null to ignore the query
     * @return the key, or null
     */
    public static String apiKey(HttpRequest req, QueryStringDecoder query) {
        String h = req.headers().get("X-API-Key");
        if (h != null) {
            return h.trim();
        }
        String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth != null) {
            String a = auth.trim();
            int sp = a.indexOf(' ');
            if (sp > 0) {
                String scheme = a.substring(0, sp);
                if (scheme.equalsIgnoreCase("Api-Key") || scheme.equalsIgnoreCase("Bearer")) {
                    return a.substring(sp + 1).trim();
                }
            }
            return null;
        }
        if (query != null) {
            List<String> q = query.parameters().get("api_key");
            if (q != null && !q.isEmpty()) {
                return q.get(0);
            }
        }
        return null;
    }

    /**
     * {@return true if the request may carry its key in the query}: a WebSocket upgrade, or any request when the
     * policy allows it ({@link AccessPolicy#apiKeyInQuery()})
     *
     * @param access the policy
     * @param req    the request
     */
    public static boolean acceptsQueryKey(AccessPolicy access, FullHttpRequest req) {
        return access.apiKeyInQuery() || req.headers().containsValue(HttpHeaderNames.UPGRADE, "websocket", true);
    }

    /**
     * Authenticates a request, answering 401 itself when it fails.
     *
     * @param ctx   server
     * @param ch    channel
     * @param req   request
     * @param query query or null
     * @return the principal, or null if a 401 was sent
     */
    public static AccessPolicy.Principal authenticate(ServerContext ctx, Channel ch, FullHttpRequest req,
                                                      QueryStringDecoder query) {
        String key = apiKey(req, acceptsQueryKey(ctx.access, req) ? query : null);
        AccessPolicy.Principal p = ctx.access.authenticate(key);
        if (p == null) {
            ctx.counter("auth_failures_total").increment();
            error(ch, req, HttpResponseStatus.UNAUTHORIZED, authFailure(key));
        }
        return p;
    }

    /**
     * {@return the 401 message for a request that presented {@code key}}
     *
     * @param key the key the request presented, or null
     */
    public static String authFailure(String key) {
        return key == null ? "missing API key: send 'X-API-Key: <key>' or 'Authorization: Api-Key <key>'"
                : "invalid API key";
    }

    /**
     * Answers 405 naming the method the resource takes.
     *
     * @param ch      the connection
     * @param req     the request
     * @param allowed the method to use instead, e.g. {@code POST}
     */
    public static void methodNotAllowed(Channel ch, FullHttpRequest req, String allowed) {
        error(ch, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + req.method() + " not allowed; use "
                + allowed);
    }

    /**
     * {@return true if {@code GET /} from this request should get the dashboard rather than the JSON index}
     *
     * @param req the request
     */
    public static boolean wantsHtml(FullHttpRequest req) {
        String accept = req.headers().get(HttpHeaderNames.ACCEPT);
        return accept != null && accept.contains("text/html");
    }
}
