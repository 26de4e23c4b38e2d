"""The external SSE client for the EMG stream: ``POST /infer/stream`` and read every event as it arrives.

The request is the one both the seed and our server define: ``{"duration_seconds", "fps", "preprocess",
"use_tensorrt"}``. For each event the client records its arrival time, its ``frame`` number and the
``latency_ms`` the server reports; it then checks that every frame arrived, in order, without gaps.
"""
from __future__ import annotations

import json
import time
from typing import Any

import httpx

from . import procstat
from .stats import summary


async def run_stream(base_url: str, api_key: str | None, fps: int, seconds: float, server_pid: int) -> dict[str, Any]:
    """Streams ``seconds`` at ``fps`` and summarises delivery, order, timing and the server's CPU."""
    body = {"duration_seconds": seconds, "fps": fps, "preprocess": True, "use_tensorrt": True}
    headers = {"X-API-Key": api_key} if api_key else {}
    frames: list[int] = []
    arrivals: list[float] = []
    latencies: list[float] = []
    errors: list[str] = []
    completion: dict[str, Any] | None = None
    first_event_ms: float | None = None
    status = None
    before = procstat.sample(server_pid)
    timeout = httpx.Timeout(seconds + 30.0, connect=10.0)
    async with httpx.AsyncClient(timeout=timeout) as client:
        # prime the client's own lazy set-up (first request in a process costs it hundreds of ms), so the time to
        # the first event is the server's: from the request to the first event
        await client.get(base_url + "/health", headers=headers)
        started = time.perf_counter()
        async with client.stream("POST", base_url + "/infer/stream", json=body, headers=headers) as response:
            status = response.status_code
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                now = time.perf_counter()
                event = json.loads(line[5:].strip())
                if "status" in event:
                    completion = event
                elif "error" in event:
                    errors.append(str(event["error"]))
                elif "frame" in event:
                    if first_event_ms is None:
                        first_event_ms = (now - started) * 1000.0
                    frames.append(int(event["frame"]))
                    arrivals.append(now)
                    if isinstance(event.get("latency_ms"), (int, float)):
                        latencies.append(float(event["latency_ms"]))
    after = procstat.sample(server_pid)
    intervals = [(b - a) * 1000.0 for a, b in zip(arrivals, arrivals[1:])]
    steps = [b - a for a, b in zip(frames, frames[1:])]
    return {
        "http_status": status,
        "expected_events": int(round(fps * seconds)),
        "events": len(frames),
        "in_order": all(s > 0 for s in steps),
        "gaps": sum(1 for s in steps if s != 1),
        "first_frame": frames[0] if frames else None,
        "last_frame": frames[-1] if frames else None,
        "error_events": len(errors),
        "first_event_ms": None if first_event_ms is None else round(first_event_ms, 3),
        "server_latency_ms": summary(latencies),
        "interval_ms": summary(intervals),
        "completed": completion is not None,
        "server_cpu_s": procstat.cpu_between(before, after),
        "server_rss_mb": round(after.rss_bytes / 2**20, 1),
    }
