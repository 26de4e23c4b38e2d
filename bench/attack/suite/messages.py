"""Attacks with crafted messages (issue 11, findings 2 and 7-11): messages as large as the limits allow after
authentication, log injection and log floods, the ndarray size overflow, HTTP pipelining order, library text in
error replies, and close code 999."""
from __future__ import annotations

import json
import threading
import time

from . import payloads, target, wire
from .findings import INTERNALS, OPENPI_AUTH, _drain, check

FORGED = "FORGED-LOG-LINE-7f3a"


def _openpi(ctx, source: str = "127.0.0.6"):
    s, head = wire.ws_handshake(ctx.target.port, "/", OPENPI_AUTH, source=source, timeout=10)
    meta = wire.read_frame(s, 10)
    return s, head, meta


def _request(s, message: bytes, timeout: float = 10.0):
    s.sendall(wire.binary(message))
    return wire.read_frame(s, timeout)


def large_messages(ctx, seconds: float = 8.0, connections: int = 3) -> list[dict]:
    """Finding 2, after authentication: ``connections`` VLA sessions send frames as large as the limits allow (an
    image of just under ``maxImageBytes``, 8 MiB, as base64: ~11 MB of JSON each) as fast as their sockets take them,
    far above their tier's frame rate, and one openpi session sends 12 MB observations (a 2048 × 2048 × 3 array,
    refused by its pixel budget after parsing). Such messages are read on the event loops the healthy client shares;
    it must not stall (the runner's check), and the attackers must get answers, not silence."""
    image = ctx.cache("padded_png", lambda: payloads.padded_png((8 << 20) - 4096))
    frame = ctx.cache("large_frame", lambda: wire.text(payloads.vla_frame(image, 1)))
    obs = {"observation/image": payloads.ndarray("|u1", [2048, 2048, 3], bytes(2048 * 2048 * 3)),
           "observation/state": payloads.ndarray("<f4", [8], bytes(32)), "prompt": "x"}
    big = ctx.cache("openpi_12mb", lambda: wire.binary(payloads.msgpack_pack(obs)))
    end = time.monotonic() + seconds
    sent = {"vla": 0, "openpi": 0}
    replies = {"vla": 0, "openpi": 0}
    lock = threading.Lock()

    def flood(connect, message: bytes, key: str) -> None:
        """Sends ``message`` as fast as the socket takes it until the end, counting, then lets the replies come."""
        try:
            s = connect()
            threading.Thread(target=_drain, args=(s, replies, key, lock), daemon=True).start()
            while time.monotonic() < end:
                s.sendall(message)
                with lock:
                    sent[key] += 1
            time.sleep(1.0)
            wire.reset(s)
        except OSError:
            pass

    def vla_session(n: int):
        s, _ = wire.ws_handshake(ctx.target.port, "/v1/stream", source=ctx.source(20 + n), timeout=10)
        s.sendall(wire.text(payloads.vla_auth(target.ATTACK_KEY, 50)))
        wire.read_frame(s, 10)
        return s

    threads = [threading.Thread(target=flood, args=(lambda n=n: vla_session(n), frame, "vla"))
               for n in range(connections)]
    threads.append(threading.Thread(target=flood, args=(lambda: _openpi(ctx, "127.0.0.7")[0], big, "openpi")))
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    return [check("attackers_answered", replies["vla"] > 0 and replies["openpi"] > 0,
                  {"sent": dict(sent), "replies": dict(replies), "vla_frame_bytes": len(frame),
                   "openpi_message_bytes": len(big)})]


def log_injection(ctx) -> list[dict]:
    """Finding 7: an openpi observation key holding a newline and a forged log line; one ~8 MB msgpack message of
    500,000 bad keys. No log line may start with the forged text, and the log may grow by at most 64 KB."""
    before = ctx.target.log_size()
    s, _, _ = _openpi(ctx)
    forged_key = f"observation/state\n{FORGED} ERROR admin logged in"
    obs = payloads.msgpack_pack({forged_key: payloads.ndarray("<f4", [8], bytes(32)), "prompt": "x"})
    r1 = _request(s, obs)
    flood = payloads.msgpack_pack({f"k{i}\n{FORGED}": i for i in range(500_000)})
    r2 = _request(s, flood, 30)
    wire.reset(s)
    time.sleep(1.0)
    text = ctx.target.log_text(before)
    forged = [ln for ln in text.splitlines() if ln.startswith(FORGED)]
    growth = ctx.target.log_size() - before
    return [check("no_forged_line", not forged, {"forged_lines": len(forged),
                                                 "replies": [r and r[0] for r in (r1, r2)]}),
            check("log_growth_bytes", growth < 64 * 1024, {"bytes": growth, "flood_message_bytes": len(flood)})]


def ndarray_overflow(ctx) -> list[dict]:
    """Finding 8: ``<f8 [2^30, 2^30, 2]`` with 0 data bytes must be refused with a text error (not inferred), and the
    connection must answer a valid observation afterwards."""
    s, _, meta = _openpi(ctx)
    bad = payloads.msgpack_pack({"observation/state": payloads.ndarray("<f8", [1 << 30, 1 << 30, 2], b""),
                                 "observation/image": payloads.ndarray("|u1", [96, 96, 3], bytes(96 * 96 * 3)),
                                 "prompt": "x"})
    r = _request(s, bad)
    ok_reply = _request(s, payloads.openpi_observation(state=_state_len(meta)))
    wire.reset(s)
    return [check("refused_with_text", r is not None and r[0] == 0x1,
                  {"reply": None if r is None else (r[0], r[1][:160].decode(errors="replace"))}),
            check("still_serves", ok_reply is not None and ok_reply[0] == 0x2,
                  {"reply_opcode": ok_reply and ok_reply[0]})]


def _state_len(meta) -> int:
    try:
        m = payloads.msgpack_unpack(meta[1])
        return int(m["observation"]["observation/state"]["shape"][0])
    except (TypeError, KeyError, ValueError, IndexError):
        return 8


def pipelining_order(ctx) -> list[dict]:
    """Finding 9: ``POST /infer`` (200 inference steps, slow) then ``GET /healthz`` in one write on one connection;
    HTTP/1.1 requires the answers in that order (or the second refused)."""
    body = b'{"steps": 200}'
    raw = (f"POST /infer HTTP/1.1\r\nHost: x\r\nX-API-Key: {target.ATTACK_KEY}\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\n\r\n").encode() + body + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    s = wire.connect(ctx.target.port, 30)
    s.sendall(raw)
    data = b""
    end = time.monotonic() + 30
    s.settimeout(1.0)
    while time.monotonic() < end and data.count(b"HTTP/1.1 ") < 2:
        try:
            chunk = s.recv(65536)
        except OSError:
            continue
        if not chunk:
            break
        data += chunk
    s.close()
    first = data.split(b"\r\n\r\n", 1)
    first_body = first[1][:8] if len(first) > 1 else b""
    in_order = not first_body.startswith(b"OK\n")
    return [check("in_order", in_order and wire.status_of(data) != 0,
                  {"first_status": wire.status_of(data), "first_body_starts": first_body.decode(errors="replace"),
                   "responses": data.count(b"HTTP/1.1 ")})]


def internal_error_text(ctx) -> list[dict]:
    """Finding 10: replies to bad input must be the server's own words; a 413 must have the documented JSON body."""
    texts = {}
    # Jackson's nesting limit, before auth
    s, _ = wire.ws_handshake(ctx.target.port, "/v1/stream", source="127.0.0.7")
    s.sendall(wire.text('{"type":"auth","x":' + "[" * 3000 + "]" * 3000 + "}"))
    frames, code = wire.read_until_close(s, 5)
    texts["vla_deep_json"] = [f[1][2:].decode(errors="replace") if f[0] == 0x8 else f[1].decode(errors="replace")
                              for f in frames]
    s.close()
    # msgpack's NEVER_USED byte and a list where an array belongs
    s, _, meta = _openpi(ctx, "127.0.0.7")
    r1 = _request(s, b"\x81\xa1a\xc1")
    r2 = _request(s, payloads.msgpack_pack({"observation/state": [1.0, 2.0], "prompt": "x"}))
    texts["openpi"] = [r[1].decode(errors="replace") for r in (r1, r2) if r]
    wire.reset(s)
    # a reserved bit without an extension
    s, _ = wire.ws_handshake(ctx.target.port, "/v1/stream", source="127.0.0.7")
    s.sendall(wire.frame(0x1, b"{}", rsv=4))
    frames, code = wire.read_until_close(s, 5)
    texts["rsv_close_reason"] = [f[1][2:].decode(errors="replace") for f in frames if f[0] == 0x8]
    s.close()
    # 413 from an announced body over the limit
    st, resp = wire.http(ctx.target.port, (f"POST /stream/sessions HTTP/1.1\r\nHost: x\r\nX-API-Key: "
                                           f"{target.ATTACK_KEY}\r\nContent-Type: application/json\r\n"
                                           f"Content-Length: {(16 << 20) + 1}\r\n\r\n").encode())
    body = resp.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in resp else b""
    try:
        doc = json.loads(body)
        shaped = isinstance(doc, dict) and doc.get("status") == 413 and isinstance(doc.get("error"), str)
    except ValueError:
        shaped = False
    leaked = {k: [t for t in v if any(i.lower() in t.lower() for i in INTERNALS)] for k, v in texts.items()}
    leaked = {k: v for k, v in leaked.items() if v}
    return [check("no_library_text", not leaked, leaked or texts),
            check("json_413", st == 413 and shaped, {"status": st, "body": body[:200].decode(errors="replace")})]


def close_code_999(ctx) -> list[dict]:
    """Finding 11 (smaller items): a close frame with the invalid code 999 must be answered with 1002."""
    s, _ = wire.ws_handshake(ctx.target.port, "/v1/stream", source="127.0.0.7")
    s.sendall(wire.frame(0x8, (999).to_bytes(2, "big")))
    _, code = wire.read_until_close(s, 5)
    s.close()
    return [check("answered_1002", code == 1002, {"close_code": code})]
