#!/usr/bin/env python3
"""Drives an openpi-compatible endpoint the way openpi's WebsocketClientPolicy does, and checks the replies.

The client side of openpi's policy-server protocol, written from its description:
  * connect with `Authorization: Api-Key <key>`, no compression, no size limit;
  * the first message from the server is the metadata, a binary msgpack map;
  * each observation is one binary msgpack map; numpy arrays travel as maps with the byte-string keys
    b"__ndarray__" (True), b"data" (the raw bytes), b"dtype" (numpy's dtype.str) and b"shape";
  * each observation gets exactly one reply: a binary msgpack map with "actions", or a text message, which the
    client raises as an error.

Checks, in order: the metadata (action_horizon, action_dim, observation keys with dtype/shape when announced);
--frames lockstep observations (paced at --hz, under the tier's rate) whose replies carry float32 actions [horizon, dim], server_timing.infer_ms (and
prev_total_ms from the second reply on) and policy_timing.infer_ms; then an image over the server's pixel budget,
which must come back as a text error naming the budget, after which the connection must still answer.

Prints one JSON line with the round-trip and server-timing percentiles; exits 1 with a message on any failed check.

Needs: python3 with websockets (10.4 or later; the blocking client of >= 11 when present, as openpi uses),
msgpack and numpy (Debian: python3-websockets python3-msgpack python3-numpy).
"""
import argparse
import json
import sys
import time

import msgpack
import numpy as np
import websockets

try:  # websockets >= 11, what openpi's client uses
    import websockets.sync.client as _sync
except ImportError:  # Debian bookworm's python3-websockets 10.4: the asyncio client behind a blocking facade
    _sync = None


def _pack_numpy(obj):
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in ("V", "O", "c"):
            raise ValueError(f"dtype {obj.dtype} cannot be sent")
        return {b"__ndarray__": True, b"data": obj.tobytes(), b"dtype": obj.dtype.str, b"shape": obj.shape}
    if isinstance(obj, np.generic):
        return {b"__npgeneric__": True, b"data": obj.item(), b"dtype": obj.dtype.str}
    return obj


def _unpack_numpy(obj):
    if b"__ndarray__" in obj:
        return np.ndarray(buffer=obj[b"data"], dtype=np.dtype(obj[b"dtype"]), shape=obj[b"shape"])
    if b"__npgeneric__" in obj:
        return np.dtype(obj[b"dtype"]).type(obj[b"data"])
    return obj


def pack(obj):
    return msgpack.packb(obj, default=_pack_numpy)


def unpack(data):
    return msgpack.unpackb(data, object_hook=_unpack_numpy)


class _BlockingConnection:
    """send/recv/close over the asyncio client of websockets 10.x."""

    def __init__(self, url, headers):
        import asyncio

        async def open_connection():  # created inside the loop, so the connection belongs to it
            return await websockets.connect(url, compression=None, max_size=None, extra_headers=headers or {})

        self._loop = asyncio.new_event_loop()
        self._ws = self._loop.run_until_complete(open_connection())

    def send(self, data):
        self._loop.run_until_complete(self._ws.send(data))

    def recv(self):
        return self._loop.run_until_complete(self._ws.recv())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._loop.run_until_complete(self._ws.close())
        self._loop.close()


def connect(url, headers):
    if _sync is not None:
        return _sync.connect(url, compression=None, max_size=None, additional_headers=headers)
    return _BlockingConnection(url, headers)


class CheckFailed(Exception):
    pass


def check(cond, message):
    if not cond:
        raise CheckFailed(message)


def observation(rng, h, w, state_dim, prompt):
    return {
        "observation/image": rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8),
        "observation/state": rng.standard_normal(state_dim).astype(np.float32),
        "prompt": prompt,
    }


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="ws://host:port of the openpi endpoint")
    ap.add_argument("--api-key", default=None)
    ap.add_argument("--frames", type=int, default=20, help="lockstep observations to send")
    ap.add_argument("--image", default="96x96", help="camera array HxW (uint8, [H, W, 3])")
    ap.add_argument("--hz", type=float, default=20.0, help="observations per second (0: as fast as answered)")
    ap.add_argument("--state-dim", type=int, default=0, help="state length (default: from the metadata, else 8)")
    ap.add_argument("--over-budget", default="2364x2364", help="HxW of an image that must be refused, or 'none'")
    args = ap.parse_args()

    headers = {"Authorization": f"Api-Key {args.api_key}"} if args.api_key else None
    rng = np.random.default_rng(7)
    h, w = (int(v) for v in args.image.split("x"))
    with connect(args.url, headers) as ws:
        first = ws.recv()
        check(isinstance(first, bytes), f"the first message must be the binary metadata, got text: {first!r}")
        meta = unpack(first)
        check(isinstance(meta, dict), f"metadata must be a map, got {type(meta).__name__}")
        horizon = meta.get("action_horizon")
        dim = meta.get("action_dim")
        check(isinstance(horizon, int) and horizon >= 1, f"metadata action_horizon is {horizon!r}")
        check(isinstance(dim, int) and dim >= 1, f"metadata action_dim is {dim!r}")
        spec = meta.get("observation", {})
        state_dim = args.state_dim
        if not state_dim:
            shape = spec.get("observation/state", {}).get("shape")
            state_dim = int(shape[0]) if shape else 8
        for key, s in spec.items():
            check("dtype" in s, f"metadata observation '{key}' has no dtype")

        rtts, infer, policy = [], [], []
        period = 1.0 / args.hz if args.hz > 0 else 0.0
        next_send = time.perf_counter()
        for i in range(args.frames):
            obs = observation(rng, h, w, state_dim, "pick up the red cube")
            pause = next_send - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            next_send = time.perf_counter() + period  # never closer than one period, even after a slow reply
            t0 = time.perf_counter()
            ws.send(pack(obs))
            reply = ws.recv()
            rtts.append((time.perf_counter() - t0) * 1000)
            check(isinstance(reply, bytes), f"observation {i}: server error: {reply}")
            r = unpack(reply)
            a = r.get("actions")
            check(isinstance(a, np.ndarray), f"observation {i}: 'actions' is {type(a).__name__}, not an ndarray")
            check(a.dtype == np.float32, f"observation {i}: actions dtype {a.dtype}")
            check(a.shape == (horizon, dim), f"observation {i}: actions shape {a.shape}, metadata says "
                                             f"({horizon}, {dim})")
            check(np.all(np.isfinite(a)), f"observation {i}: non-finite actions")
            st = r.get("server_timing", {})
            check(isinstance(st.get("infer_ms"), float) and 0 < st["infer_ms"] < 60_000,
                  f"observation {i}: server_timing.infer_ms is {st.get('infer_ms')!r}")
            check((i > 0) == ("prev_total_ms" in st), f"observation {i}: server_timing is {st}")
            pt = r.get("policy_timing", {})
            check(isinstance(pt.get("infer_ms"), float) and 0 <= pt["infer_ms"] <= st["infer_ms"],
                  f"observation {i}: policy_timing.infer_ms is {pt.get('infer_ms')!r}, server {st['infer_ms']}")
            infer.append(st["infer_ms"])
            policy.append(pt["infer_ms"])

        refused = None
        if args.over_budget != "none":
            bh, bw = (int(v) for v in args.over_budget.split("x"))
            ws.send(pack(observation(rng, bh, bw, state_dim, "too big")))
            refused = ws.recv()
            check(isinstance(refused, str), "an image over the pixel budget must be refused with a text error")
            check("maxImagePixels" in refused, f"the refusal must name the budget: {refused}")
            ws.send(pack(observation(rng, h, w, state_dim, "still there")))
            check(isinstance(ws.recv(), bytes), "the connection must still answer after a refusal")

    result = {
        "frames": args.frames,
        "image": args.image,
        "rtt_ms": {"p50": percentile(rtts, 50), "p99": percentile(rtts, 99), "max": max(rtts)} if rtts else None,
        "server_infer_ms": {"p50": percentile(infer, 50), "p99": percentile(infer, 99)} if infer else None,
        "policy_infer_ms": {"p50": percentile(policy, 50), "p99": percentile(policy, 99)} if policy else None,
        "refused": refused,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    try:
        main()
    except CheckFailed as e:
        print(f"openpi_client_check: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
