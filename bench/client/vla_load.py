"""The external VLA WebSocket load client: N sessions × Hz, open loop, every reply timed.

Each session connects to ``/v1/stream``, sends ``auth``, waits for ``connected``, then, once every session is
connected, sends ``frame`` messages (a 320×240 JPEG as a base64 data URL, instruction, robot_state) at its rate on
an absolute schedule whose phase is spread across sessions; it never waits for a reply before the next frame.
Frames carry no ``frame_id`` (the seed's message shape); both servers then number frames 1, 2, 3, ... per
connection and echo that number, so replies are matched by ``frame_id``, and in order when a reply has none.
After the last frame a session waits up to ``drain`` seconds for the missing replies; what is still missing then
is counted as never answered.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import websockets

from . import procstat
from .stats import summary

INSTRUCTION = "pick up the red cube"
ROBOT_STATE = {"pose": [0.3, 0.0, 0.5, 0.0, 0.0, 0.0], "velocity": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]}


def frame_messages(image_urls: list[str]) -> list[str]:
    """The ``frame`` messages, serialised once (the image dominates; re-encoding it per send would load the client)."""
    return [json.dumps({"type": "frame", "image": url, "instruction": INSTRUCTION, "robot_state": ROBOT_STATE})
            for url in image_urls]


def auth_message(api_key: str, hz: float) -> str:
    """The seed's ``auth`` message at the load's rate."""
    return json.dumps({"type": "auth", "api_key": api_key, "model": "openvla-7b", "robot_type": "franka_panda",
                       "target_fps": hz, "enable_smoothing": True, "enable_safety": True})


@dataclass
class LoadResult:
    """What one load did to one server."""

    sessions: int
    hz: float
    seconds: float
    sent: int = 0
    actions: int = 0
    rtts_ms: list[float] = field(default_factory=list)
    server_latency_ms: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    unanswered: int = 0
    failed_sessions: Counter = field(default_factory=Counter)
    server_cpu_s: float = 0.0
    server_rss_mb: float = 0.0
    client_cpu_s: float = 0.0
    window_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (no raw samples)."""
        return {
            "sessions": self.sessions, "hz": self.hz, "seconds": self.seconds, "frames_sent": self.sent,
            "actions": self.actions, "rtt_ms": summary(self.rtts_ms),
            "server_latency_ms": summary(self.server_latency_ms), "errors": dict(self.errors),
            "unanswered": self.unanswered, "failed_sessions": dict(self.failed_sessions),
            "server_cpu_s": self.server_cpu_s, "server_rss_mb": self.server_rss_mb,
            "client_cpu_s": self.client_cpu_s, "window_s": self.window_s,
        }


async def open_session(url: str, api_key: str, hz: float) -> tuple[Any | None, str | None]:
    """Connects and authenticates; returns (connection, None) or (None, why it failed)."""
    try:
        ws = await websockets.connect(url, max_size=None, compression=None, ping_interval=None, open_timeout=15)
    except (OSError, websockets.WebSocketException, asyncio.TimeoutError) as e:
        return None, f"connect: {type(e).__name__}"
    try:
        await ws.send(auth_message(api_key, hz))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 15))
    except (websockets.WebSocketException, asyncio.TimeoutError) as e:
        await ws.close()
        return None, f"auth: {type(e).__name__}"
    if reply.get("type") != "connected":
        await ws.close()
        return None, f"auth: {reply.get('code') or reply.get('message')}"
    return ws, None


async def receive(ws: Any, pending: dict[int, float], result: LoadResult) -> None:
    """Times every reply against its frame's send time."""
    try:
        async for raw in ws:
            now = time.perf_counter()
            msg = json.loads(raw)
            kind = msg.get("type")
            if kind not in ("action", "error"):
                continue
            fid = msg.get("frame_id")
            if isinstance(fid, int) and fid in pending:
                sent_at = pending.pop(fid)
            elif fid is None and pending:
                sent_at = pending.pop(next(iter(pending)))
            else:
                continue  # a reply to a frame already given up on, or to no frame
            if kind == "action":
                result.actions += 1
                result.rtts_ms.append((now - sent_at) * 1000.0)
                if isinstance(msg.get("latency_ms"), (int, float)):
                    result.server_latency_ms.append(float(msg["latency_ms"]))
            else:
                result.errors[str(msg.get("code") or msg.get("message"))] += 1
    except websockets.ConnectionClosed:
        pass


async def drive(ws: Any, index: int, start: float, result: LoadResult, frames: list[str], drain_s: float) -> None:
    """One session's open-loop sender, then its drain."""
    hz, count = result.hz, int(round(result.seconds * result.hz))
    phase = index / (result.sessions * hz)
    pending: dict[int, float] = {}
    receiver = asyncio.create_task(receive(ws, pending, result))
    try:
        for i in range(count):
            delay = start + phase + i / hz - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            pending[i + 1] = time.perf_counter()
            await ws.send(frames[(index + i) % len(frames)])
            result.sent += 1
        deadline = time.perf_counter() + drain_s
        while pending and time.perf_counter() < deadline and not receiver.done():
            await asyncio.sleep(0.005)
    except websockets.ConnectionClosed as e:
        result.failed_sessions[f"closed {e.rcvd.code if e.rcvd else 'abnormally'}"] += 1
    finally:
        result.unanswered += len(pending)
        receiver.cancel()
        await ws.close()


async def run_load(url: str, api_key: str, sessions: int, hz: float, seconds: float, frames: list[str],
                   server_pid: int, drain_s: float = 2.0) -> LoadResult:
    """Runs one load; the server's CPU is read from the first frame to the end of the drain."""
    result = LoadResult(sessions=sessions, hz=hz, seconds=seconds)
    opened = await asyncio.gather(*(open_session(url, api_key, hz) for _ in range(sessions)))
    conns = [ws for ws, _ in opened if ws is not None]
    for _, why in opened:
        if why is not None:
            result.failed_sessions[why] += 1
    before, client_before = procstat.sample(server_pid), time.process_time()
    start = time.perf_counter() + 0.05
    await asyncio.gather(*(drive(ws, i, start, result, frames, drain_s) for i, ws in enumerate(conns)))
    after = procstat.sample(server_pid)
    result.window_s = round(time.perf_counter() - start, 3)
    result.client_cpu_s = round(time.process_time() - client_before, 3)
    result.server_cpu_s = procstat.cpu_between(before, after)
    result.server_rss_mb = round(after.rss_bytes / 2**20, 1)
    return result


async def run_silent(url: str, api_key: str, sessions: int, seconds: float, server_pid: int) -> dict[str, Any]:
    """Connects and authenticates ``sessions`` sessions, sends nothing for ``seconds``, reads the server's CPU."""
    opened = await asyncio.gather(*(open_session(url, api_key, 10.0) for _ in range(sessions)))
    conns = [ws for ws, _ in opened if ws is not None]
    await asyncio.sleep(0.5)  # let connection set-up settle before the window opens
    before = procstat.sample(server_pid)
    await asyncio.sleep(seconds)
    after = procstat.sample(server_pid)
    await asyncio.gather(*(ws.close() for ws in conns))
    cpu = procstat.cpu_between(before, after)
    return {"sessions": sessions, "connected": len(conns), "seconds": seconds, "server_cpu_s": cpu,
            "server_cpu_s_per_s": round(cpu / seconds, 4), "server_rss_mb": round(after.rss_bytes / 2**20, 1)}
