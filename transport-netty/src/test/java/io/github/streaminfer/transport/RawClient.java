package io.github.streaminfer.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A socket-level HTTP / WebSocket client for attacks that a well-behaved client library cannot make: requests
 * pipelined on one connection, bodies dripped slowly, pings never followed by a read, a reset instead of a close.
 */
final class RawClient implements AutoCloseable {
    final Socket socket;
    final OutputStream out;
    final InputStream in;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = socket.getInputStream();
    }

    static RawClient connect(StreamingServer s) throws IOException {
        return connect(s, 0);
    }

    /** @param receiveBuffer the socket's receive buffer, or 0 for the default */
    static RawClient connect(StreamingServer s, int receiveBuffer) throws IOException {
        Socket sock = new Socket();
        if (receiveBuffer > 0) {
            sock.setReceiveBufferSize(receiveBuffer);
        }
        sock.connect(new InetSocketAddress("127.0.0.1", s.port()), 5000);
        sock.setSoTimeout(10_000);
        sock.setTcpNoDelay(true);
        return new RawClient(sock);
    }

    void write(String ascii) throws IOException {
        out.write(ascii.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Sends a WebSocket upgrade request for {@code path} with extra header lines (each ending in CRLF). */
    void upgrade(String path, String extraHeaders) throws IOException {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n");
    }

    /** Reads an HTTP response head (status line and headers), lower-cased header names; null at end of stream. */
    String readHead() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
            }
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3))
                    ? state + 1 : 0;
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Reads a whole response with a Content-Length body; returns head + body. */
    String readResponse() throws IOException {
        String head = readHead();
        if (head == null) {
            return null;
        }
        int len = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                len = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(len), StandardCharsets.UTF_8);
    }

    /** Sends one masked WebSocket frame. */
    void frame(int opcode, byte[] payload) throws IOException {
        fragment(opcode, true, payload);
    }

    /** One frame of a message: {@code opcode} 0 for a continuation, {@code fin} on its last frame. */
    void fragment(int opcode, boolean fin, byte[] payload) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write((fin ? 0x80 : 0) | opcode);
        int n = payload.length;
        if (n < 126) {
            f.write(0x80 | n);
        } else if (n < 65536) {
            f.write(0x80 | 126);
            f.write(n >>> 8);
            f.write(n);
        } else {
            f.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) n >>> (8 * i)));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.write(mask, 0, 4);
        for (int i = 0; i < n; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        out.write(f.toByteArray());
    }

    void text(String s) throws IOException {
        frame(1, s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads one server frame: {@code [opcode, payload...]}; null at end of stream. */
    byte[] readFrame() throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        int b1 = in.read();
        long n = b1 & 0x7F;
        if (n == 126) {
            n = (in.read() << 8) | in.read();
        } else if (n == 127) {
            n = 0;
            for (int i = 0; i < 8; i++) {
                n = (n << 8) | in.read();
            }
        }
        byte[] p = in.readNBytes((int) n);
        byte[] r = new byte[p.length + 1];
        r[0] = (byte) (b0 & 0x0F);
        System.arraycopy(p, 0, r, 1, p.length);
        return r;
    }

    /** {@return true if the server closed the connection within the socket's timeout, reading and dropping data} */
    boolean closedByServer() throws IOException {
        byte[] sink = new byte[8192];
        try {
            while (true) {
                if (in.read(sink) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /** Resets the connection (RST, not FIN): the abrupt disconnect of a crashed or hostile client. */
    void reset() {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
