"""Drives the openpi endpoint with openpi's own ``WebsocketClientPolicy``, lockstep, and times each round trip.

openpi's client is not on the pip index; the caller gives a directory holding the ``openpi_client`` package
(``bench/run --openpi-client DIR``), and this module imports it from there. The observation follows the server's
metadata: a ``uint8`` image ``[H, W, 3]``, a float32 state and a prompt.
"""
from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any

import numpy as np

from . import procstat
from .stats import summary


def run_openpi(client_dir: str, host: str, port: int, api_key: str | None, seconds: float, warmup: int,
               server_pid: int) -> dict[str, Any]:
    """Sends observations back to back for ``seconds`` after ``warmup`` untimed ones."""
    sys.path.insert(0, client_dir)
    from openpi_client.websocket_client_policy import WebsocketClientPolicy  # noqa: E402 (path set above)

    policy = WebsocketClientPolicy(host=host, port=port, api_key=api_key)
    meta = policy.get_server_metadata()
    spec = meta.get("observation", {})
    h, w, _ = spec.get("observation/image", {}).get("shape", [96, 96, 3])
    (state_len,) = spec.get("observation/state", {}).get("shape", [12])
    rng = np.random.default_rng(3)
    images = [rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8) for _ in range(4)]
    state = np.linspace(-0.5, 0.5, state_len, dtype=np.float32)

    def observation(i: int) -> dict[str, Any]:
        return {"observation/image": images[i % len(images)], "observation/state": state,
                "prompt": "pick up the red cube"}

    for i in range(warmup):
        try:
            policy.infer(observation(i))
        except RuntimeError:
            pass
    rtts, server_ms, policy_ms = [], [], []
    errors: Counter = Counter()
    reply: dict[str, Any] = {}
    before = procstat.sample(server_pid)
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        t = time.perf_counter()
        i += 1
        try:
            reply = policy.infer(observation(i))
        except RuntimeError as e:  # the server answered with a text error; the connection stays open
            errors[str(e).splitlines()[-1][:120]] += 1
            continue
        rtts.append((time.perf_counter() - t) * 1000.0)
        for timing, into in (("server_timing", server_ms), ("policy_timing", policy_ms)):
            value = reply.get(timing, {}).get("infer_ms")
            if isinstance(value, (int, float)):
                into.append(float(value))
    after = procstat.sample(server_pid)
    ws = getattr(policy, "_ws", None)  # the client has no close(); end the session now rather than at idle timeout
    if ws is not None:
        ws.close()
    return {"requests": len(rtts), "errors": dict(errors), "rtt_ms": summary(rtts),
            "server_timing_infer_ms": summary(server_ms), "policy_timing_infer_ms": summary(policy_ms),
            "actions_shape": list(np.asarray(reply.get("actions", [])).shape),
            "server_cpu_s": procstat.cpu_between(before, after), "metadata_server": meta.get("server")}
