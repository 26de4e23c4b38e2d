"""Attacks that held when issue 11 was filed, kept so that they keep holding: bad keys and tier isolation, WebSocket
protocol violations, and the JSON / msgpack / image-header limits."""
from __future__ import annotations

import json

from . import payloads, target, wire
from .findings import OPENPI_AUTH, check

SRC = "127.0.0.8"


def _close_code_after(port: int, path: str, first: bytes, headers: dict | None = None) -> int | None:
    s, head = wire.ws_handshake(port, path, headers, source=SRC)
    try:
        s.sendall(first)
    except OSError:
        pass  # the server may close before it has read everything; its close frame is what counts
    _, code = wire.read_until_close(s, 5)
    s.close()
    return code


def bad_keys(ctx) -> list[dict]:
    """Wrong or missing keys on every kind of endpoint, and one key's detection session seen from another key."""
    port = ctx.target.port
    vla = _close_code_after(port, "/v1/stream", wire.text(payloads.vla_auth("wrong_key_0000000000")))
    http_none = wire.post(port, "/stream/sessions", b"{}")[0]
    http_wrong = wire.post(port, "/stream/sessions", b"{}", {"X-API-Key": "wrong"})[0]
    s, head = wire.ws_handshake(port, "/", {"Authorization": "Api-Key wrong"}, source=SRC)
    s.close()
    openpi = wire.status_of(head)
    s, head = wire.ws_handshake(port, "/stream/detection", source=SRC)
    s.close()
    detection = wire.status_of(head)
    st, resp = wire.post(port, "/stream/sessions", b"{}", {"X-API-Key": target.ATTACK_KEY})
    sid = _json_body(resp).get("session_id", "none")
    other = wire.get(port, f"/stream/sessions/{sid}/stats", {"X-API-Key": target.FREE_KEY})[0]
    wire.http(port, f"DELETE /stream/sessions/{sid} HTTP/1.1\r\nHost: x\r\nX-API-Key: {target.ATTACK_KEY}\r\n"
                    f"Connection: close\r\n\r\n".encode())
    s, _ = wire.ws_handshake(port, "/v1/stream", source=SRC)
    s.sendall(wire.text(payloads.vla_auth(target.FREE_KEY, 100)))
    over_tier = _type(wire.read_frame(s, 5))
    wire.reset(s)
    results = {"vla_wrong_key_close": vla, "http_no_key": http_none, "http_wrong_key": http_wrong,
               "openpi_wrong_key": openpi, "detection_no_key": detection, "session_created": st,
               "other_key_reads_session": other, "free_tier_100fps_auth_reply": over_tier}
    ok = (vla == 4401 and http_none == 401 and http_wrong == 401 and openpi == 401 and detection == 401
          and st == 201 and other in (403, 404) and over_tier == "error")
    return [check("refused_everywhere", ok, results)]


def _json_body(resp: bytes) -> dict:
    try:
        return json.loads(resp.split(b"\r\n\r\n", 1)[1])
    except (IndexError, ValueError):
        return {}


def protocol_violations(ctx) -> list[dict]:
    """Unmasked frames (1002), invalid UTF-8 (1007), a frame before auth (an error, or a 4401 / 1008 close), a
    continuation without a start (1002), a message over the frame limit (1009)."""
    port = ctx.target.port
    unmasked = _close_code_after(port, "/v1/stream", wire.frame(0x1, b"{}", mask=False))
    bad_utf8 = _close_code_after(port, "/v1/stream", wire.text(b'{"type":"auth","x":"\xff\xfe"}'))
    s, _ = wire.ws_handshake(port, "/v1/stream", source=SRC)
    s.sendall(wire.text(payloads.vla_frame(payloads.gradient_png(8, 8), 1)))
    first = wire.read_frame(s, 5)
    early = _type(first) if first is None or first[0] != 0x8 else int.from_bytes(first[1][:2], "big")
    wire.reset(s)
    continuation = _close_code_after(port, "/v1/stream", wire.frame(0x0, b"x"))
    # a frame header announcing 16 MiB + 16 bytes, then only the first MiB: the length alone must get 1009
    too_big = _close_code_after(port, "/v1/stream", wire.frame(0x1, b" " * ((16 << 20) + 16))[:(1 << 20)])
    results = {"unmasked": unmasked, "invalid_utf8": bad_utf8, "frame_before_auth": early,
               "stray_continuation": continuation, "over_frame_limit": too_big}
    ok = (unmasked == 1002 and bad_utf8 in (1007, 1002) and early in ("error", 4401, 1008)
          and continuation == 1002 and too_big == 1009)
    return [check("right_close_codes", ok, results)]


def input_limits(ctx) -> list[dict]:
    """JSON nesting, msgpack entry counts and image headers over the limits are refused with an error, and the
    connection keeps serving."""
    port = ctx.target.port
    s, _ = wire.ws_handshake(port, "/v1/stream", source=SRC)
    s.sendall(wire.text(payloads.vla_auth(target.ATTACK_KEY, 50)))
    hello = wire.read_frame(s, 10)
    deep = '{"type":"frame","x":' + "[" * 2000 + "]" * 2000 + "}"
    s.sendall(wire.text(deep))
    r_deep = wire.read_frame(s, 10)
    header_bomb = payloads.png(30000, 30000, 8, 2, row=b"")[:33] + payloads.png(1, 1)[33:]
    s.sendall(wire.text(payloads.vla_frame(header_bomb, 2)))
    r_img = wire.read_frame(s, 10)
    s.sendall(wire.text(payloads.vla_frame(payloads.gradient_png(), 3)))
    r_ok = wire.read_frame(s, 10)
    wire.reset(s)
    s, _ = wire.ws_handshake(port, "/", OPENPI_AUTH, source=SRC)
    wire.read_frame(s, 10)
    s.sendall(wire.binary(payloads.msgpack_pack({f"k{i}": i for i in range(5000)})))
    r_many = wire.read_frame(s, 10)
    wire.reset(s)
    kinds = {"connected": _type(hello), "deep_json": _type(r_deep), "image_30000x30000": _type(r_img),
             "valid_frame_after": _type(r_ok), "msgpack_5000_keys": None if r_many is None else r_many[0]}
    ok = (kinds["connected"] == "connected" and kinds["deep_json"] == "error"
          and kinds["image_30000x30000"] == "error" and kinds["valid_frame_after"] == "action"
          and kinds["msgpack_5000_keys"] == 0x1)
    return [check("refused_and_still_serving", ok, kinds)]


def _type(f) -> str | None:
    if f is None or f[0] != 0x1:
        return None if f is None else f"opcode {f[0]}"
    try:
        return json.loads(f[1]).get("type")
    except ValueError:
        return "not json"
