package io.github.streaminfer.transport.internal.pages;

import io.github.streaminfer.transport.internal.http.Http;
import io.github.streaminfer.transport.internal.http.Router;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Serves the browser pages (dashboard, camera streamer, viewer) from this module's resources: plain HTML, CSS and
 * JavaScript, no build step, no third-party script. {@code GET /} answers the dashboard to a browser (a request
 * whose {@code Accept} names {@code text/html}); other clients keep getting the JSON list of endpoints. Every page
 * is sent with a Content-Security-Policy that allows only this origin's scripts and connections.
 *
 * <p><b>Note:</b> thread-safe; the files are read once, at construction.
 */
public final class StaticPages {
    private static final String ROOT = "/io/github/streaminfer/transport/pages/";
    private static final String[] FILES = {"index.html", "camera.html", "viewer.html", "style.css", "common.js",
        "dashboard.js", "camera.js", "viewer.js"};
    private static final String CSP = "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
            + "connect-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'";

    private record Page(byte[] bytes, String type) {
    }

    private final Map<String, Page> pages = new HashMap<>();

    /** Reads the pages from the classpath. */
    public StaticPages() {
        for (String f : FILES) {
            try (InputStream in = StaticPages.class.getResourceAsStream(ROOT + f)) {
                if (in == null) {
                    throw new IllegalStateException("page resource " + ROOT + f + " is missing from the jar");
                }
                pages.put(f, new Page(in.readAllBytes(), type(f)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read page resource " + f, e);
            }
        }
    }


    /** {@return the routes: {@code /} (browsers), {@code /dashboard}, {@code /camera}, {@code /viewer}, assets} */
    public Router.HttpRoutes routes() {
        return this::route;
    }

    private boolean route(ChannelHandlerContext ctx, FullHttpRequest req, String path, QueryStringDecoder query) {
        String file = switch (path) {
            case "/", "/dashboard", "/index.html" -> "index.html";
            case "/camera", "/camera.html" -> "camera.html";
            case "/viewer", "/viewer.html" -> "viewer.html";
            default -> path.startsWith("/pages/") ? path.substring("/pages/".length()) : null;
        };
        Page page = file == null ? null : pages.get(file);
        if (page == null) {
            return false;
        }
        Channel ch = ctx.channel();
        if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
            Http.methodNotAllowed(ch, req, "GET");
            return true;
        }
        boolean head = req.method().equals(HttpMethod.HEAD);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(page.bytes));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, page.type);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        res.headers().set("X-Content-Type-Options", "nosniff");
        res.headers().set("Referrer-Policy", "no-referrer");
        res.headers().set("Content-Security-Policy", CSP);
        HttpUtil.setContentLength(res, page.bytes.length);
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        HttpUtil.setKeepAlive(res, keepAlive);
        ChannelFuture f = ch.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
        return true;
    }

    private static String type(String file) {
        if (file.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (file.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "text/javascript; charset=utf-8";
    }
}
