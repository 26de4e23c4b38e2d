"""The VLA seed's live streaming server, rebuilt from ``shared/seeds/vla-websocket-streaming.md``.

What the seed describes, on the seed's stack: FastAPI on uvicorn (uvloop, httptools), a WebSocket at
``/v1/stream`` speaking ``auth``/``frame``/``stats``/``close`` → ``connected``/``action``/``stats``/``error``,
API keys with Free/Pro/Enterprise tiers (concurrent sessions, max fps per session), a bounded frame queue of 10
per session answered with ``"Frame queue full"`` on overflow, OpenCV JPEG decoding, ONNX Runtime on the CPU
(one intra-op thread, no spinning), EMA action smoothing and a safety score.

One processing task per session takes frames from its queue, decodes, infers and sends the action on the event
loop: OpenCV and ONNX Runtime release the GIL, but for a model this small a thread hop would cost more than it
saves. Extensions beyond the seed, both for the harness's bookkeeping: ``error`` carries the ``frame_id`` it
refers to, and ``action``'s ``frame_id`` is the count of frame messages on the connection (1, 2, 3, ...).

Run: ``python vla_server.py --model policy.onnx --port 8001 --api-key KEY:enterprise``.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort
import uvicorn
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

# The seed's rate limits: max concurrent sessions (None = unlimited) and max fps per session.
TIERS: dict[str, tuple[int | None, float]] = {
    "free": (1, 10.0),
    "pro": (3, 30.0),
    "enterprise": (None, 50.0),
}
DEFAULT_QUEUE_SIZE = 10
MAX_ACTION_STEP = 0.5  # per-step change above which the safety score drops


def cpu_session_options() -> ort.SessionOptions:
    """ONNX Runtime on the CPU as the seed stack runs it: one intra-op thread, no spinning."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return opts


class PolicyModel:
    """The policy: image ``[1,3,H,W]`` float in [0,1] RGB + state ``[1,S]`` → action ``[1,D]``."""

    def __init__(self, path: str) -> None:
        self.session = ort.InferenceSession(path, cpu_session_options(), providers=["CPUExecutionProvider"])
        inputs = self.session.get_inputs()
        image = next(i for i in inputs if len(i.shape) == 4)
        state = next(i for i in inputs if len(i.shape) == 2)
        self.image_name: str = image.name
        self.state_name: str = state.name
        self.height: int = int(image.shape[2])
        self.width: int = int(image.shape[3])
        self.state_length: int = int(state.shape[1])
        self.output_name: str = self.session.get_outputs()[0].name

    def preprocess(self, jpeg: bytes) -> np.ndarray:
        """Decodes a JPEG/PNG with OpenCV and makes the NCHW float RGB blob the model takes."""
        bgr = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
        if bgr is None:
            raise ValueError("image could not be decoded")
        return cv2.dnn.blobFromImage(bgr, 1.0 / 255.0, (self.width, self.height), swapRB=True)

    def state_vector(self, robot_state: dict[str, Any] | None) -> np.ndarray:
        """``pose`` then ``velocity``, zero-padded to the model's state length."""
        values: list[float] = []
        if robot_state:
            values.extend(robot_state.get("pose") or [])
            values.extend(robot_state.get("velocity") or [])
        if len(values) > self.state_length:
            raise ValueError(f"robot_state has {len(values)} values; the model takes {self.state_length}")
        state = np.zeros((1, self.state_length), dtype=np.float32)
        state[0, : len(values)] = values
        return state

    def infer(self, image: np.ndarray, state: np.ndarray) -> np.ndarray:
        """Runs the model; returns the action vector."""
        out = self.session.run([self.output_name], {self.image_name: image, self.state_name: state})[0]
        return out.reshape(-1)


@dataclass
class StreamSession:
    """One client's streaming session: its settings, frame queue and counters."""

    session_id: str
    config: dict[str, Any]
    queue: asyncio.Queue
    started: float = field(default_factory=time.perf_counter)
    total_frames: int = 0
    dropped_frames: int = 0
    processed_frames: int = 0
    latency_sum_ms: float = 0.0
    smoothed: np.ndarray | None = None
    previous: np.ndarray | None = None

    def stats(self) -> dict[str, Any]:
        """The seed's ``stats`` message."""
        runtime = time.perf_counter() - self.started
        return {
            "type": "stats",
            "session_id": self.session_id,
            "runtime_seconds": round(runtime, 3),
            "total_frames": self.total_frames,
            "dropped_frames": self.dropped_frames,
            "drop_rate_percent": round(100.0 * self.dropped_frames / self.total_frames, 3)
            if self.total_frames else 0.0,
            "target_fps": self.config["target_fps"],
            "actual_fps": round(self.processed_frames / runtime, 3) if runtime > 0 else 0.0,
            "avg_latency_ms": round(self.latency_sum_ms / self.processed_frames, 3)
            if self.processed_frames else 0.0,
            "frame_queue_size": self.queue.qsize(),
            "action_queue_size": 0,
        }

    def post_process(self, action: np.ndarray) -> tuple[np.ndarray, float]:
        """EMA smoothing (when enabled) and the safety score of the step from the previous action."""
        if self.config["smoothing"]:
            alpha = self.config["smoothing_alpha"]
            self.smoothed = action if self.smoothed is None else alpha * action + (1.0 - alpha) * self.smoothed
            action = self.smoothed
        score = 1.0
        if self.config["safety"] and self.previous is not None:
            step = float(np.max(np.abs(action - self.previous)))
            score = max(0.0, 1.0 - max(0.0, step - MAX_ACTION_STEP))
        self.previous = action
        return action, score


class Tiers:
    """API keys, their tiers and the sessions each key holds."""

    def __init__(self, keys: dict[str, str]) -> None:
        self.keys = keys
        self.active: dict[str, int] = {}

    def admit(self, key: str, target_fps: float) -> tuple[str | None, str | None]:
        """Returns (tier, None) when the key may open a session at that fps, else (None, error message)."""
        tier = self.keys.get(key) if self.keys else "enterprise"
        if tier is None:
            return None, "Invalid API key"
        max_sessions, max_fps = TIERS[tier]
        if target_fps > max_fps:
            return None, f"target_fps {target_fps} above the {tier} tier's {max_fps}"
        if max_sessions is not None and self.active.get(key, 0) >= max_sessions:
            return None, f"Maximum concurrent sessions ({max_sessions}) reached for the {tier} tier"
        self.active[key] = self.active.get(key, 0) + 1
        return tier, None

    def release(self, key: str) -> None:
        """Frees one of the key's session slots."""
        self.active[key] = max(0, self.active.get(key, 0) - 1)


def decode_image_field(value: str) -> bytes:
    """A ``data:image/...;base64,`` URL or plain base64 → the encoded image bytes."""
    if value.startswith("data:"):
        value = value[value.index(",") + 1:]
    return base64.b64decode(value, validate=True)


def create_app(model: PolicyModel, tiers: Tiers, queue_size: int) -> FastAPI:
    """The FastAPI application: ``/v1/stream`` and ``/health``."""
    app = FastAPI(title="VLA streaming (seed rebuild)")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.websocket("/v1/stream")
    async def stream(ws: WebSocket) -> None:
        await ws.accept()
        auth = await receive_auth(ws)
        if auth is None:
            return
        key = auth.get("api_key", "")
        target_fps = float(auth.get("target_fps", 10))
        tier, problem = tiers.admit(key, target_fps)
        if tier is None:
            await ws.send_text(json.dumps({"type": "error", "message": problem}))
            await ws.close(code=4401 if problem == "Invalid API key" else 4403)
            return
        session = StreamSession(
            session_id=str(uuid.uuid4()),
            config={
                "model": auth.get("model", "openvla-7b"),
                "target_fps": target_fps,
                "smoothing": bool(auth.get("enable_smoothing", True)),
                "safety": bool(auth.get("enable_safety", True)),
                "smoothing_alpha": float(auth.get("smoothing_alpha", 0.3)),
            },
            queue=asyncio.Queue(maxsize=queue_size),
        )
        await ws.send_text(json.dumps({"type": "connected", "session_id": session.session_id, "status": "ready",
                                       "config": {k: session.config[k] for k in
                                                  ("model", "target_fps", "smoothing", "safety")}}))
        worker = asyncio.create_task(process_frames(ws, session, model))
        try:
            await receive_loop(ws, session)
        except WebSocketDisconnect:
            pass
        finally:
            worker.cancel()
            tiers.release(key)

    return app


async def receive_auth(ws: WebSocket) -> dict[str, Any] | None:
    """Waits for the ``auth`` message; None when the client went away first."""
    while True:
        try:
            message = json.loads(await ws.receive_text())
        except WebSocketDisconnect:
            return None
        except json.JSONDecodeError:
            await ws.send_text(json.dumps({"type": "error", "message": "Invalid JSON"}))
            continue
        if message.get("type") == "auth":
            return message
        await ws.send_text(json.dumps({"type": "error", "message": "Authenticate first"}))


async def receive_loop(ws: WebSocket, session: StreamSession) -> None:
    """Reads client messages; frames go to the bounded queue, refused with "Frame queue full" when it is full."""
    while True:
        text = await ws.receive_text()
        arrived = time.perf_counter()
        try:
            message = json.loads(text)
        except json.JSONDecodeError:
            await ws.send_text(json.dumps({"type": "error", "message": "Invalid JSON"}))
            continue
        kind = message.get("type")
        if kind == "frame":
            session.total_frames += 1
            try:
                session.queue.put_nowait((session.total_frames, arrived, message))
            except asyncio.QueueFull:
                session.dropped_frames += 1
                await ws.send_text(json.dumps({"type": "error", "message": "Frame queue full",
                                               "frame_id": session.total_frames}))
        elif kind == "stats":
            await ws.send_text(json.dumps(session.stats()))
        elif kind == "close":
            await ws.send_text(json.dumps(session.stats()))
            await ws.close(code=1000)
            return
        else:
            await ws.send_text(json.dumps({"type": "error", "message": f"Unknown message type: {kind}"}))


async def process_frames(ws: WebSocket, session: StreamSession, model: PolicyModel) -> None:
    """The session's processing task: decode, infer, smooth, score, send."""
    while True:
        frame_id, arrived, message = await session.queue.get()
        try:
            image = model.preprocess(decode_image_field(message["image"]))
            state = model.state_vector(message.get("robot_state"))
            action = model.infer(image, state)
        except (KeyError, ValueError, binascii.Error) as e:
            session.dropped_frames += 1
            await ws.send_text(json.dumps({"type": "error", "message": f"Invalid frame: {e}",
                                           "frame_id": frame_id}))
            continue
        action, safety_score = session.post_process(action)
        latency_ms = (time.perf_counter() - arrived) * 1000.0
        session.processed_frames += 1
        session.latency_sum_ms += latency_ms
        await ws.send_text(json.dumps({
            "type": "action",
            "frame_id": frame_id,
            "timestamp": round(time.time(), 3),
            "action": [round(float(v), 6) for v in action],
            "safety_score": round(safety_score, 3),
            "latency_ms": round(latency_ms, 3),
            "smoothed": session.config["smoothing"],
        }))


def parse_keys(values: list[str]) -> dict[str, str]:
    """``KEY[:tier]`` options → {key: tier}."""
    keys: dict[str, str] = {}
    for value in values:
        key, _, tier = value.rpartition(":")
        if tier in TIERS and key:
            keys[key] = tier
        else:
            keys[value] = "enterprise"
    return keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="ONNX policy")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--api-key", action="append", default=[], help="KEY[:free|pro|enterprise], repeatable")
    parser.add_argument("--queue-size", type=int, default=DEFAULT_QUEUE_SIZE)
    args = parser.parse_args()
    model = PolicyModel(args.model)
    app = create_app(model, Tiers(parse_keys(args.api_key)), args.queue_size)
    print(f"vla_server: policy {model.image_name} {model.width}x{model.height}, state [{model.state_length}], "
          f"listening on ws://{args.host}:{args.port}/v1/stream", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, loop="uvloop", http="httptools", ws="websockets-sansio",
                log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
