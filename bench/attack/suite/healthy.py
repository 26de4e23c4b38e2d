"""The well-behaved client that streams beside every attack, from its own process: one VLA session at 10 Hz, open loop (frames go out on
an absolute schedule whatever the replies do), each frame carrying its own ``frame_id``. Every reply is matched to
its frame; a frame's stall is the time from sending it to its reply (or to now, while it has none).

Like a camera, the client never sends a backlog: when its own process was kept from running past half a period (the
attackers share the machine's cores), it sends one frame and starts its schedule again from then. Sending the missed
frames back to back would make the server replace all but the newest (``superseded``, the latest-frame-wins rule
working as specified) and charge the client's own lateness to the server. Late sends are counted in the window."""
from __future__ import annotations

import asyncio
import json
import multiprocessing
import threading
import time
from dataclasses import dataclass, field

import websockets

from . import payloads


@dataclass
class Window:
    """What the healthy client saw while one attack ran."""

    frames: int = 0
    replies: int = 0
    worst_stall_ms: float = 0.0
    stalls_over_250ms: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    late_sends: int = 0
    worst_send_late_ms: float = 0.0

    def to_json(self) -> dict:
        return {"frames": self.frames, "replies": self.replies, "worst_stall_ms": round(self.worst_stall_ms, 1),
                "stalls_over_250ms": self.stalls_over_250ms, "errors": self.errors, "late_sends": self.late_sends,
                "worst_send_late_ms": round(self.worst_send_late_ms, 1)}


class HealthyClient:
    """Streams from a process of its own, so that no attacker thread of the suite (which holds Python's global
    interpreter lock while it builds a large payload) can delay its frames or replies; the timestamps are taken
    there, on the system-wide monotonic clock, and arrive here through a pipe. :meth:`window` summarises any interval
    of its run."""

    def __init__(self, port: int, api_key: str, hz: float = 10.0):
        self.url = f"ws://127.0.0.1:{port}/v1/stream"
        self.api_key = api_key
        self.hz = hz
        self.sent: dict[int, float] = {}
        self.replied: dict[int, float] = {}
        self.events: list[tuple[float, str]] = []   # (time, error code) for every error the client got
        self.late: list[tuple[float, float]] = []   # (time, ms behind its schedule) for every late send
        self.lock = threading.Lock()
        self.ready = threading.Event()
        ctx = multiprocessing.get_context("spawn")
        self.stop_flag = ctx.Event()
        self.records, child_end = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_stream, args=(self.url, api_key, hz, child_end, self.stop_flag),
                                   name="healthy-client", daemon=True)
        self.collector = threading.Thread(target=self._collect, name="healthy-records", daemon=True)

    def start(self, timeout: float = 30.0) -> None:
        self.process.start()
        self.collector.start()
        if not self.ready.wait(timeout):
            raise RuntimeError("the healthy client could not connect and authenticate")

    def stop(self) -> None:
        self.stop_flag.set()
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
        self.collector.join(5)

    def _collect(self) -> None:
        while True:
            try:
                kind, a, b = self.records.recv()
            except (EOFError, OSError):
                return
            with self.lock:
                if kind == "sent":
                    self.sent[a] = b
                elif kind == "replied":
                    self.replied.setdefault(a, b)
                elif kind == "error":
                    self.events.append((a, b))
                elif kind == "late":
                    self.late.append((a, b))
                elif kind == "ready":
                    self.ready.set()

    def window(self, start: float, end: float) -> Window:
        """Frames sent in [start, end): their worst stall, how many waited over 250 ms, and the errors received."""
        now = time.monotonic()
        w = Window()
        with self.lock:
            for fid, t in self.sent.items():
                if start <= t < end:
                    w.frames += 1
                    r = self.replied.get(fid)
                    if r is not None:
                        w.replies += 1
                    stall = ((r if r is not None else now) - t) * 1000
                    w.worst_stall_ms = max(w.worst_stall_ms, stall)
                    if stall > 250:
                        w.stalls_over_250ms += 1
            for t, behind_ms in self.late:
                if start <= t < end:
                    w.late_sends += 1
                    w.worst_send_late_ms = max(w.worst_send_late_ms, behind_ms)
            for t, code in self.events:
                if start <= t < end + 1.0:
                    w.errors[code] = w.errors.get(code, 0) + 1
        return w


def _stream(url: str, api_key: str, hz: float, out, stop) -> None:
    """The client process: one VLA session, reconnecting after any failure, until ``stop`` is set."""
    image = payloads.gradient_png()
    period = 1.0 / hz

    def error(code: str) -> None:
        out.send(("error", time.monotonic(), code))

    async def read(ws) -> None:
        try:
            async for raw in ws:
                now = time.monotonic()
                msg = json.loads(raw)
                fid = msg.get("frame_id")
                if isinstance(fid, int):
                    out.send(("replied", fid, now))
                if msg.get("type") == "error":
                    error(str(msg.get("code") or msg.get("message") or msg.get("error")))
        except websockets.ConnectionClosed as e:
            error(f"closed:{e.rcvd.code if e.rcvd else 'no close frame'}")
        except websockets.WebSocketException as e:
            error("closed:" + type(e).__name__)

    async def main() -> None:
        next_id = 1
        while not stop.is_set():
            try:
                async with websockets.connect(url, max_size=None, open_timeout=10, ping_interval=None) as ws:
                    await ws.send(payloads.vla_auth(api_key, int(hz)))
                    hello = json.loads(await asyncio.wait_for(ws.recv(), 15))
                    if hello.get("type") != "connected":
                        error("auth:" + str(hello.get("code") or hello.get("message")))
                        await asyncio.sleep(0.5)
                        continue
                    out.send(("ready", None, None))
                    reader = asyncio.create_task(read(ws))
                    start = time.monotonic()
                    n = 0
                    while not stop.is_set() and not reader.done():
                        now = time.monotonic()
                        delay = start + n * period - now
                        if delay > 0:
                            await asyncio.sleep(delay)
                        elif -delay > period / 2:
                            out.send(("late", now, -delay * 1000))
                            start, n = now, 0  # one frame now, the next a period later: no backlog
                        out.send(("sent", next_id, time.monotonic()))
                        await ws.send(payloads.vla_frame(image, next_id))
                        next_id += 1
                        n += 1
                    reader.cancel()
            except websockets.ConnectionClosed:
                await asyncio.sleep(0.2)  # the reader recorded how it closed
            except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as e:
                error("disconnected:" + type(e).__name__)
                await asyncio.sleep(0.2)

    asyncio.run(main())
    out.close()
