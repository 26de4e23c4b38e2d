"""The well-behaved client that streams beside every attack: one VLA session at 10 Hz, open loop (frames go out on
an absolute schedule whatever the replies do), each frame carrying its own ``frame_id``. Every reply is matched to
its frame; a frame's stall is the time from sending it to its reply (or to now, while it has none)."""
from __future__ import annotations

import asyncio
import json
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

    def to_json(self) -> dict:
        return {"frames": self.frames, "replies": self.replies, "worst_stall_ms": round(self.worst_stall_ms, 1),
                "stalls_over_250ms": self.stalls_over_250ms, "errors": self.errors}


class HealthyClient:
    """Runs in its own thread and event loop; :meth:`window` summarises any interval of its run."""

    def __init__(self, port: int, api_key: str, hz: float = 10.0):
        self.url = f"ws://127.0.0.1:{port}/v1/stream"
        self.api_key = api_key
        self.period = 1.0 / hz
        self.image = payloads.gradient_png()
        self.sent: dict[int, float] = {}
        self.replied: dict[int, float] = {}
        self.events: list[tuple[float, str]] = []   # (time, error code) for every error the client got
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="healthy-client", daemon=True)

    def start(self, timeout: float = 30.0) -> None:
        self.thread.start()
        if not self.ready.wait(timeout):
            raise RuntimeError("the healthy client could not connect and authenticate")

    def stop(self) -> None:
        self.stop_flag.set()
        self.thread.join(10)

    def _error(self, code: str) -> None:
        with self.lock:
            self.events.append((time.monotonic(), code))

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        next_id = 1
        while not self.stop_flag.is_set():
            try:
                async with websockets.connect(self.url, max_size=None, open_timeout=10, ping_interval=None) as ws:
                    await ws.send(payloads.vla_auth(self.api_key, 10))
                    hello = json.loads(await asyncio.wait_for(ws.recv(), 15))
                    if hello.get("type") != "connected":
                        self._error("auth:" + str(hello.get("code") or hello.get("message")))
                        await asyncio.sleep(0.5)
                        continue
                    self.ready.set()
                    reader = asyncio.create_task(self._read(ws))
                    start = time.monotonic()
                    n = 0
                    while not self.stop_flag.is_set() and not reader.done():
                        t = start + n * self.period
                        delay = t - time.monotonic()
                        if delay > 0:
                            await asyncio.sleep(delay)
                        with self.lock:
                            self.sent[next_id] = time.monotonic()
                        await ws.send(payloads.vla_frame(self.image, next_id))
                        next_id += 1
                        n += 1
                    reader.cancel()
            except websockets.ConnectionClosed:
                await asyncio.sleep(0.2)  # the reader recorded how it closed
            except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as e:
                self._error("disconnected:" + type(e).__name__)
                await asyncio.sleep(0.2)

    async def _read(self, ws) -> None:
        try:
            async for raw in ws:
                now = time.monotonic()
                msg = json.loads(raw)
                fid = msg.get("frame_id")
                if isinstance(fid, int):
                    with self.lock:
                        self.replied.setdefault(fid, now)
                if msg.get("type") == "error":
                    self._error(str(msg.get("code") or msg.get("message") or msg.get("error")))
        except websockets.ConnectionClosed as e:
            self._error(f"closed:{e.rcvd.code if e.rcvd else 'no close frame'}")
        except websockets.WebSocketException as e:
            self._error("closed:" + type(e).__name__)

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
            for t, code in self.events:
                if start <= t < end + 1.0:
                    w.errors[code] = w.errors.get(code, 0) + 1
        return w
