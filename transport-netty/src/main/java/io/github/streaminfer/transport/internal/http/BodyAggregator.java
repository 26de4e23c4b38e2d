package io.github.streaminfer.transport.internal.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Netty's {@link HttpObjectAggregator} whose 413 answers are in the documented JSON shape
 * ({@code {"error": "...", "status": 413}}), both for a body found too large while it arrives and for an
 * {@code Expect: 100-continue} request that announces one; the connection is closed after either, lingering
 * ({@link LingeringClose}) while the client may still be sending the body.
 *
 * <p><b>Note:</b> one instance per connection; event loop only.
 */
public final class BodyAggregator extends HttpObjectAggregator {
    private final int maxBodyBytes;

    /** @param maxBodyBytes the largest body, {@code >= 0} */
    public BodyAggregator(int maxBodyBytes) {
        super(maxBodyBytes);
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object r = super.newContinueResponse(start, maxContentLength, pipeline);
        if (r instanceof FullHttpResponse res
                && res.status().code() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
            FullHttpResponse ours = Http.errorResponse(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, tooLarge(start),
                    pipeline.channel().alloc());
            HttpUtil.setKeepAlive(ours, HttpUtil.isKeepAlive(res));
            res.release();
            return ours;
        }
        return r;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof HttpRequest)) {
            super.handleOversizedMessage(ctx, oversized);
            return;
        }
        FullHttpResponse res = Http.errorResponse(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, tooLarge(oversized),
                ctx.alloc());
        HttpUtil.setKeepAlive(res, false);
        // the client is most likely still sending the body: closing now would reset the connection and lose the 413
        LingeringClose.after(ctx.writeAndFlush(res));
    }

    private String tooLarge(HttpMessage m) {
        long announced = HttpUtil.getContentLength(m, -1L);
        return (announced >= 0 ? "request body of " + announced + " bytes" : "request body")
                + " is larger than the limit; allowed: at most " + maxBodyBytes + " bytes";
    }
}
