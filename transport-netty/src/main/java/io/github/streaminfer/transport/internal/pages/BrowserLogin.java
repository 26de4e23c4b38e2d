package io.github.streaminfer.transport.internal.pages;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.internal.http.Http;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.Router;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;

import java.net.URI;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Browser sign-in for the served pages, so that no page needs the API key in its URL: the page sends the key once
 * in the {@code X-API-Key} header of {@code POST /auth/login} and gets a random token in an {@code HttpOnly},
 * {@code SameSite=Strict} cookie that expires after {@link #TTL_SECONDS}. {@link #cookieHandler()} then presents
 * the key that token stands for on the browser's later requests (HTTP, SSE and WebSocket handshakes), when they
 * come from the server's own origin and carry no key of their own. {@code POST /auth/logout} forgets the token.
 *
 * <p><b>Note:</b> thread-safe; the cookie handler is shared by every connection.
 */
public final class BrowserLogin {
    /** Name of the sign-in cookie. */
    public static final String COOKIE = "streaminfer_login";
    /** Lifetime of a sign-in, seconds. */
    public static final long TTL_SECONDS = 30 * 60;
    private static final int MAX_TOKENS = 4096;

    private record Grant(String key, long expiresNanos) {
    }

    private final ServerContext server;
    private final Map<String, Grant> grants = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final ChannelHandler cookieHandler = new CookieToKey();

    /** @param server server state */
    public BrowserLogin(ServerContext server) {
        this.server = server;
    }

    /** {@return the handler that turns a valid sign-in cookie into the key it stands for; place before the router} */
    public ChannelHandler cookieHandler() {
        return cookieHandler;
    }

    /** {@return the {@code /auth/*} routes} */
    public Router.HttpRoutes routes() {
        return this::route;
    }

    private boolean route(ChannelHandlerContext ctx, FullHttpRequest req, String path, QueryStringDecoder query) {
        Channel ch = ctx.channel();
        switch (path) {
            case "/auth/status" -> {
                ObjectNode o = Json.object();
                o.put("auth_required", !server.access.isOpen());
                o.put("signed_in", server.access.authenticate(Http.apiKey(req, null)) != null);
                o.put("cookie", COOKIE);
                o.put("ttl_seconds", TTL_SECONDS);
                Http.json(ch, req, HttpResponseStatus.OK, o);
                return true;
            }
            case "/auth/login" -> {
                if (!req.method().equals(HttpMethod.POST)) {
                    Http.methodNotAllowed(ch, req, "POST");
                    return true;
                }
                String key = req.headers().get("X-API-Key");
                AccessPolicy.Principal p = Http.authenticate(server, ch, req, null);
                if (p == null) {
                    return true;
                }
                String token = newToken();
                if (key != null && !server.access.isOpen()) {
                    purge();
                    grants.put(token, new Grant(key.trim(), System.nanoTime() + TTL_SECONDS * 1_000_000_000L));
                }
                ObjectNode o = Json.object();
                o.put("signed_in", true);
                o.put("tier", p.tier().name());
                o.put("expires_in_seconds", TTL_SECONDS);
                sendWithCookie(ch, req, o, COOKIE + "=" + token + SET_COOKIE);
                return true;
            }
            case "/auth/logout" -> {
                if (!req.method().equals(HttpMethod.POST)) {
                    Http.methodNotAllowed(ch, req, "POST");
                    return true;
                }
                String token = token(req);
                if (token != null) {
                    grants.remove(token);
                }
                ObjectNode o = Json.object();
                o.put("signed_in", false);
                sendWithCookie(ch, req, o, COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private String newToken() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static final String SET_COOKIE = "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + TTL_SECONDS;

    private static void sendWithCookie(Channel ch, FullHttpRequest req, ObjectNode body, String cookie) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Json.encode(ch.alloc(), body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        res.headers().set(HttpHeaderNames.SET_COOKIE, cookie);
        HttpUtil.setContentLength(res, res.content().readableBytes());
        HttpUtil.setKeepAlive(res, HttpUtil.isKeepAlive(req));
        ChannelFuture f = ch.writeAndFlush(res);
        if (!HttpUtil.isKeepAlive(req)) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void purge() {
        if (grants.size() < MAX_TOKENS) {
            return;
        }
        long now = System.nanoTime();
        grants.entrySet().removeIf(e -> now - e.getValue().expiresNanos > 0);
        if (grants.size() >= MAX_TOKENS) {
            grants.clear(); // a flood of sign-ins: everyone signs in again
        }
    }

    private static String token(FullHttpRequest req) {
        String header = req.headers().get(HttpHeaderNames.COOKIE);
        if (header == null) {
            return null;
        }
        for (Cookie c : ServerCookieDecoder.STRICT.decode(header)) {
            if (c.name().equals(COOKIE)) {
                return c.value();
            }
        }
        return null;
    }

    /** Same-origin check: a browser's request names its page's origin, which must be this server's host. */
    private static boolean sameOrigin(FullHttpRequest req) {
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return true; // browsers omit Origin only on same-origin GETs
        }
        String host = req.headers().get(HttpHeaderNames.HOST);
        try {
            URI u = URI.create(origin);
            String authority = u.getRawAuthority();
            return host != null && host.equalsIgnoreCase(authority);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @ChannelHandler.Sharable
    private final class CookieToKey extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req && !grants.isEmpty() && Http.apiKey(req, null) == null) {
                String token = token(req);
                Grant g = token == null ? null : grants.get(token);
                if (g != null) {
                    if (System.nanoTime() - g.expiresNanos > 0) {
                        grants.remove(token);
                    } else if (sameOrigin(req)) {
                        req.headers().set("X-API-Key", g.key);
                    }
                }
            }
            ctx.fireChannelRead(msg);
        }
    }
}
