package io.github.streaminfer.samples.generated;

import io.github.streaminfer.backend.LoadedModel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

import java.net.InetSocketAddress;

/**
 * Serves the generated-frame stream at {@code ws://host:port/stream/generated}, as the generated-frame seed's server
 * does: a client sends {@code {"type": "start_streaming", "fps": 30, "seconds": 10}}; the server answers
 * {@code streaming_started} and {@code metadata} (size, fps, frame count), then, for every frame its session
 * produces, a {@code frame_metadata} text message followed by the frame as one binary JPEG message, and at the end
 * {@code streaming_completed}. Each client gets its own {@link GeneratedStream}: a session over the shared
 * image-to-image model, fed rendered scenes at the asked fps.
 *
 * <p><b>Note:</b> thread-safe; {@link #close()} stops accepting and closes every stream.
 */
public final class GeneratedFrameServer implements AutoCloseable {
    /** The WebSocket path. */
    public static final String PATH = "/stream/generated";

    private final EventLoopGroup group;
    private final Channel server;

    /**
     * Starts serving.
     *
     * @param host  the address to bind, e.g. {@code 127.0.0.1}
     * @param port  the port, 0 for an ephemeral one
     * @param model the loaded {@link StylizeModel}; must outlive the server
     * @param shape the model's frame size
     * @throws InterruptedException if interrupted while binding
     */
    public GeneratedFrameServer(String host, int port, LoadedModel model, StylizeModel shape)
            throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 16),
                                    new WebSocketServerProtocolHandler(PATH),
                                    new GeneratedStream(model, shape));
                        }
                    })
                    .bind(host, port).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully();
            throw e;
        }
    }

    /** {@return the bound port} */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** {@return the stream's URL on the loopback address} */
    public String url() {
        return "ws://127.0.0.1:" + port() + PATH;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully().syncUninterruptibly();
    }
}
