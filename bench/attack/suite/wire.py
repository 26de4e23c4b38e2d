"""Raw sockets for the attacks: WebSocket handshakes and frames written byte by byte (so that an attack can send what
a well-behaved library never would: resets, unmasked or reserved-bit frames, endless pings), plain HTTP requests,
and TCP resets. Everything connects to 127.0.0.1 only."""
from __future__ import annotations

import base64
import os
import socket
import struct
import time

HOST = "127.0.0.1"


def connect(port: int, timeout: float = 5.0, source: str | None = None) -> socket.socket:
    """A TCP connection to the server on loopback, from ``source`` (another 127/8 address: attackers come from
    addresses of their own so that a per-address limit can tell them from the healthy client) or 127.0.0.1."""
    s = socket.create_connection((HOST, port), timeout=timeout, source_address=(source, 0) if source else None)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def reset(s: socket.socket) -> None:
    """Closes with a TCP RST instead of a FIN (SO_LINGER on, 0 s): the peer sees the connection vanish."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


def read_head(s: socket.socket, limit: int = 65536) -> bytes:
    """Reads until the end of an HTTP head (CRLF CRLF); returns the head, or what came before EOF."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < limit:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def ws_handshake(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 5.0,
                 source: str | None = None) -> tuple[socket.socket, bytes]:
    """Opens a WebSocket by hand; returns the socket and the server's response head (status 101 or a refusal)."""
    s = connect(port, timeout, source)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = read_head(s)
    return s, head


def frame(opcode: int, payload: bytes, fin: bool = True, mask: bool = True, rsv: int = 0) -> bytes:
    """One WebSocket frame as a client writes it (masked unless told otherwise)."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
    else:
        head = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + mask_bytes(payload, key)


def mask_bytes(payload: bytes, key: bytes) -> bytes:
    """XORs the payload with the 4-byte key, fast for megabytes (int arithmetic on the whole buffer)."""
    if not payload:
        return b""
    reps = (len(payload) + 3) // 4
    k = int.from_bytes((key * reps)[:len(payload)], "big")
    return (int.from_bytes(payload, "big") ^ k).to_bytes(len(payload), "big")


def text(payload: str | bytes) -> bytes:
    """A masked text frame."""
    return frame(0x1, payload.encode() if isinstance(payload, str) else payload)


def binary(payload: bytes) -> bytes:
    """A masked binary frame."""
    return frame(0x2, payload)


def read_frame(s: socket.socket, timeout: float = 5.0) -> tuple[int, bytes] | None:
    """Reads one server frame: (opcode, payload), or None on EOF / reset / timeout."""
    try:
        s.settimeout(timeout)
        head = _exact(s, 2)
        if head is None:
            return None
        opcode, n = head[0] & 0x0F, head[1] & 0x7F
        if n == 126:
            ext = _exact(s, 2)
            n = struct.unpack("!H", ext)[0] if ext else 0
        elif n == 127:
            ext = _exact(s, 8)
            n = struct.unpack("!Q", ext)[0] if ext else 0
        payload = _exact(s, n) if n else b""
        return (opcode, payload or b"")
    except (OSError, TypeError):
        return None


def read_until_close(s: socket.socket, timeout: float = 5.0) -> tuple[list[tuple[int, bytes]], int | None]:
    """Reads frames until a close frame or EOF; returns the frames and the close code (None if none came)."""
    frames = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        f = read_frame(s, max(0.05, deadline - time.monotonic()))
        if f is None:
            return frames, None
        frames.append(f)
        if f[0] == 0x8:
            code = struct.unpack("!H", f[1][:2])[0] if len(f[1]) >= 2 else 1005
            return frames, code
    return frames, None


def _exact(s: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = s.recv(min(1 << 20, n - len(data)))
        if not chunk:
            return None
        data += chunk
    return data


def http(port: int, raw: bytes, timeout: float = 5.0) -> tuple[int, bytes]:
    """Sends one raw HTTP request on a fresh connection; returns (status, whole response) or (0, b"") on failure."""
    try:
        s = connect(port, timeout)
    except OSError:
        return 0, b""
    try:
        s.sendall(raw)
        data = b""
        s.settimeout(timeout)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if _complete(data):
                break
        return status_of(data), data
    except OSError:
        return 0, b""
    finally:
        s.close()


def _complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip() or 0)
    return False


def status_of(response: bytes) -> int:
    """The status code of an HTTP response head, 0 if there is none."""
    try:
        return int(response.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    """A GET on a fresh connection with Connection: close."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return http(port, f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n{extra}Connection: close\r\n\r\n".encode(), timeout)


def post(port: int, path: str, body: bytes, headers: dict[str, str] | None = None, timeout: float = 5.0
         ) -> tuple[int, bytes]:
    """A POST with a JSON body on a fresh connection."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    head = (f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\n{extra}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    return http(port, head + body, timeout)
