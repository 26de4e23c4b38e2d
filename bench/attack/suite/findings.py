"""The attacks of issue 11's findings, one function each. An attack returns its own checks; the runner adds the
healthy client's (stall, errors) and the server's memory and descriptors. Every attack is bounded in time."""
from __future__ import annotations

import socket
import threading
import time

from . import payloads, target, wire

OPENPI_AUTH = {"Authorization": "Api-Key " + target.ATTACK_KEY}
INTERNALS = ("jackson", "com.fasterxml", "StreamReadConstraints", "NEVER_USED", "ValueType", "ArrayList", "RSV",
             "java.lang", "io.netty", "Exception", "msgpack.core")


def check(name: str, ok: bool, detail) -> dict:
    return {"check": name, "ok": bool(ok), "detail": detail}


def _vla_open_and_reset(port: int, source: str) -> None:
    s, head = wire.ws_handshake(port, "/v1/stream", source=source)
    if b" 101 " in head:
        s.sendall(wire.text(payloads.vla_auth(target.ATTACK_KEY)))
    wire.reset(s)


def _openpi_open_and_reset(port: int, source: str) -> None:
    s, _ = wire.ws_handshake(port, "/", OPENPI_AUTH, source=source)
    wire.reset(s)


def _detection_open_and_reset(port: int, source: str) -> None:
    s, _ = wire.ws_handshake(port, "/stream/detection?fps_limit=5", {"X-API-Key": target.ATTACK_KEY},
                             source=source)
    wire.reset(s)


def session_leak_on_reset(ctx, per_endpoint: int = 100) -> list[dict]:
    """Finding 1: handshake (and auth for VLA), then reset at once, ``per_endpoint`` times on each of the VLA, openpi
    and detection WebSockets. Afterwards the live StreamingInferenceSession objects (after a full GC) must be the
    healthy client's only, and /metrics must agree."""
    log_before = ctx.target.log_size()
    failures = 0
    for opener in (_vla_open_and_reset, _openpi_open_and_reset, _detection_open_and_reset):
        for i in range(per_endpoint):
            try:
                opener(ctx.target.port, ctx.source(i))
            except OSError:
                failures += 1
    time.sleep(3.0)
    live = ctx.target.live_sessions()
    active = ctx.target.metric("streaminfer_sessions_active")
    log_growth = ctx.target.log_size() - log_before
    return [check("live_sessions_after_gc", live is not None and live <= ctx.baseline_sessions + 1,
                  {"live": live, "expected_at_most": ctx.baseline_sessions + 1, "metrics_active": active,
                   "resets": 3 * per_endpoint, "connect_failures": failures}),
            check("log_growth_bytes", log_growth < 64 * 1024, {"bytes": log_growth, "allowed_below": 64 * 1024})]


def _huge_auth_frame(ctx) -> bytes:
    """The 12 MB ``auth`` message as one masked text frame, built once: masking it takes a third of a second of
    CPU, which a real attacker would not spend per connection and which would otherwise be taken from the server
    and the healthy client on a small machine."""
    return ctx.cache("huge_auth_frame", lambda: wire.text(ctx.cache("huge_auth", payloads.huge_auth)))


def _send_huge_auth(port: int, frame: bytes, source: str, out: list) -> None:
    try:
        s, head = wire.ws_handshake(port, "/v1/stream", source=source, timeout=30)
        t0 = time.monotonic()
        s.sendall(frame)
        _, code = wire.read_until_close(s, 20)
        out.append({"close_code": code, "seconds": round(time.monotonic() - t0, 2)})
        s.close()
    except OSError as e:
        out.append({"error": type(e).__name__})


def huge_auth_message(ctx, connections: int = 3) -> list[dict]:
    """Finding 2: a 12 MB ``auth`` message with a million fields, no key needed, on ``connections`` sockets one after
    another. Held when the healthy client does not stall (the runner's checks) and the server refuses it."""
    message = _huge_auth_frame(ctx)
    out: list = []
    for i in range(connections):
        _send_huge_auth(ctx.target.port, message, ctx.source(i), out)
    refused = all(o.get("close_code") not in (None, 1000) or o.get("error") for o in out)
    return [check("refused", refused, out)]


def stall_rate_limit(ctx, seconds: float = 6.0) -> list[dict]:
    """Finding 3: load the event loops with large pre-auth messages for ``seconds`` (two senders at once); frames the
    healthy client sent on time must never come back ``rate_limited`` because the server was slow to read them."""
    message = _huge_auth_frame(ctx)
    started = time.monotonic()
    end = started + seconds
    out: list = []

    def loop(n: int) -> None:
        while time.monotonic() < end:
            _send_huge_auth(ctx.target.port, message, ctx.source(n), out)

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    w = ctx.healthy.window(started, time.monotonic())
    return [check("no_rate_limited_from_stall", w.errors.get("rate_limited", 0) == 0,
                  {"rate_limited": w.errors.get("rate_limited", 0), "messages_sent": len(out)})]


def decode_bomb(ctx, seconds: float = 8.0, sessions: int = 3) -> list[dict]:
    """Finding 4: ``sessions`` attacker VLA sessions send a 5000 × 5000 16-bit RGBA PNG of zeros (~200 KB, 2.4 s to
    decode) at 5 Hz, and one openpi session sends ``uint8 [2364, 2364, 3]`` once a second. The healthy client's
    cheap frames must not wait behind them (the runner's stall check)."""
    bomb = ctx.cache("bomb_png", lambda: payloads.png(5000, 5000, 16, 6))
    frame = ctx.cache("bomb_frame", lambda: payloads.vla_frame(bomb, 1).encode())
    obs = {"observation/image": payloads.ndarray("|u1", [2364, 2364, 3], bytes(2364 * 2364 * 3)),
           "observation/state": payloads.ndarray("<f4", [8], bytes(32)), "prompt": "x"}
    big = ctx.cache("openpi_big", lambda: payloads.msgpack_pack(obs))
    end = time.monotonic() + seconds
    replies = {"vla": 0, "openpi": 0}
    lock = threading.Lock()

    def vla(n: int) -> None:
        try:
            s, head = wire.ws_handshake(ctx.target.port, "/v1/stream", source=ctx.source(n), timeout=10)
            s.sendall(wire.text(payloads.vla_auth(target.ATTACK_KEY, 50)))
            wire.read_frame(s, 10)
            drain = threading.Thread(target=_drain, args=(s, replies, "vla", lock), daemon=True)
            drain.start()
            while time.monotonic() < end:
                s.sendall(wire.text(frame))
                time.sleep(0.2)
            wire.reset(s)
        except OSError:
            pass

    def openpi() -> None:
        try:
            s, _ = wire.ws_handshake(ctx.target.port, "/", OPENPI_AUTH, source=ctx.source(9), timeout=10)
            wire.read_frame(s, 10)
            drain = threading.Thread(target=_drain, args=(s, replies, "openpi", lock), daemon=True)
            drain.start()
            while time.monotonic() < end:
                s.sendall(wire.binary(big))
                time.sleep(1.0)
            wire.reset(s)
        except OSError:
            pass

    threads = [threading.Thread(target=vla, args=(n,)) for n in range(sessions)] + [threading.Thread(target=openpi)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    return [check("attack_ran", True, {"attacker_replies": dict(replies), "png_bytes": len(bomb)})]


def _drain(s: socket.socket, counts: dict, key: str, lock: threading.Lock) -> None:
    while True:
        f = wire.read_frame(s, 30)
        if f is None or f[0] == 0x8:
            return
        with lock:
            counts[key] += 1


def _probe(ctx, path: str = "/healthz") -> int:
    return wire.get(ctx.target.port, path, timeout=3.0)[0]


def _open_many(ctx, count: int, source: str, first_bytes: bytes | None) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        try:
            s = wire.connect(ctx.target.port, 3.0, source)
            if first_bytes:
                s.sendall(first_bytes)
            socks.append(s)
        except OSError:
            break
    return socks


def _hold_and_probe(ctx, socks: list[socket.socket], seconds: float, trickle: bool) -> list[int]:
    statuses = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        statuses.append(_probe(ctx))
        if trickle:
            for s in socks:
                try:
                    s.send(b"x")
                except OSError:
                    pass
        time.sleep(1.0)
    return statuses


def slowloris_body(ctx, connections: int = 1100, seconds: float = 15.0) -> list[dict]:
    """Finding 5a: ``connections`` sockets from another address announce a 16 MB body and trickle 1 byte a second.
    A new client from the healthy client's address must still get 200 on every probe, during and after."""
    head = (b"POST /infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 16777216\r\n\r\n{")
    socks = _open_many(ctx, connections, "127.0.0.2", head)
    statuses = _hold_and_probe(ctx, socks, seconds, trickle=True)
    for s in socks:
        s.close()
    time.sleep(1.0)
    after = _probe(ctx)
    return [check("probes_during", all(c == 200 for c in statuses),
                  {"opened": len(socks), "probe_statuses": statuses}),
            check("probe_after", after == 200, {"status": after})]


def preauth_large_bodies(ctx, connections: int = 16, budget_s: float = 15.0) -> list[dict]:
    """Finding 5b: ``connections`` sockets without a key each send 16 MB - 1 bytes of a 16 MB body and hold. The
    server must refuse before buffering (401 on the headers) or at least not hold the bodies: RSS may not grow by
    more than 256 MB. Sending stops after ``budget_s``."""
    size = 16 << 20
    head = (f"POST /stream/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n\r\n").encode()
    chunk = b" " * (1 << 20)
    rss0 = ctx.target.rss_mb()
    socks, early = [], 0
    deadline = time.monotonic() + budget_s
    for i in range(connections):
        if time.monotonic() > deadline:
            break
        try:
            s = wire.connect(ctx.target.port, 2.0, "127.0.0.3")
            s.sendall(head)
            for _ in range(15):
                s.sendall(chunk)
            s.sendall(chunk[:-1])
            socks.append(s)
        except OSError:
            early += 1
    time.sleep(2.0)
    peak = ctx.target.rss_mb()
    for s in socks:
        wire.reset(s)
    return [check("rss_growth_while_held_mb", peak - rss0 < 256,
                  {"growth_mb": round(peak - rss0, 1), "held": len(socks), "refused_while_sending": early})]


def idle_socket_flood(ctx, connections: int = 2000, seconds: float = 10.0) -> list[dict]:
    """Finding 5c: ``connections`` idle sockets from another address; new clients from 127.0.0.1 must still be
    served on every probe."""
    socks = _open_many(ctx, connections, "127.0.0.4", None)
    statuses = _hold_and_probe(ctx, socks, seconds, trickle=False)
    for s in socks:
        s.close()
    time.sleep(1.0)
    return [check("probes_during", all(c == 200 for c in statuses),
                  {"opened": len(socks), "probe_statuses": statuses}),
            check("probe_after", _probe(ctx) == 200, {})]


def ping_flood_no_read(ctx, seconds: float = 8.0) -> list[dict]:
    """Finding 6: one WebSocket sends pings as fast as it can for ``seconds`` and never reads. Outbound pongs must be
    bounded: RSS grows by less than 128 MB (whether the server stopped reading, closed, or kept reading is reported)."""
    s, head = wire.ws_handshake(ctx.target.port, "/v1/stream", source="127.0.0.5")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    burst = b"".join(wire.frame(0x9, b"p" * 100) for _ in range(10000))
    rss0 = ctx.target.rss_mb()
    sent, outcome = 0, "still reading at the end"
    end = time.monotonic() + seconds
    s.settimeout(2.0)
    while time.monotonic() < end:
        try:
            s.sendall(burst)
            sent += 10000
        except socket.timeout:
            outcome = "stopped reading"
            break
        except OSError:
            outcome = "closed the connection"
            break
    growth = ctx.target.rss_mb() - rss0
    wire.reset(s)
    # our receive buffer holds 4 KB: a server may bound its outbound queue by reading no more, by closing, or by
    # dropping pongs while the peer does not read; which one it did is reported, the memory is judged
    return [check("rss_growth_mb", growth < 128, {"growth_mb": round(growth, 1), "pings_sent": sent,
                                                  "server": outcome})]
