package io.github.streaminfer.transport.internal.http;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The socket layer the server's event loops run on: Linux's native epoll when its library loads, Java NIO
 * otherwise. Epoll reads and writes without the selector's bookkeeping and wakes a loop with one {@code eventfd}
 * write, which lowers both the CPU per message and the latency of a result handed over from a session's worker.
 *
 * @param name          {@code "epoll"} or {@code "nio"}
 * @param ioFactory     the event loops' I/O handler
 * @param serverChannel the listening channel type that matches it
 * @param fallbackCause why epoll was not used, or null when it is
 */
public record IoTransport(String name, IoHandlerFactory ioFactory,
                          Class<? extends ServerSocketChannel> serverChannel, String fallbackCause) {

    /**
     * {@return epoll when {@code preferNative} and its native library loaded, NIO otherwise}
     *
     * @param preferNative false forces NIO
     */
    public static IoTransport select(boolean preferNative) {
        if (!preferNative) {
            return nio("native transport disabled");
        }
        try {
            if (Epoll.isAvailable()) {
                return new IoTransport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, null);
            }
            Throwable cause = Epoll.unavailabilityCause();
            return nio(cause == null ? "epoll unavailable" : String.valueOf(cause.getMessage()));
        } catch (LinkageError e) { // the epoll classes or their natives are not on the class or module path
            return nio(e.toString());
        }
    }

    private static IoTransport nio(String cause) {
        return new IoTransport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, cause);
    }
}
