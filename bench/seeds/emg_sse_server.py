"""The EMG seed's streaming inference server, rebuilt from ``shared/seeds/emg-tensorrt-sse-streaming.md``.

FastAPI on uvicorn (uvloop, httptools). ``POST /infer/stream`` answers with Server-Sent Events: per frame, a window
of 16 channels × 200 samples from the dummy EMG source (``EMG_MODE=dummy``: per channel a sine plus Gaussian noise,
continuous across windows, the same signal our server's synthetic source makes), z-score normalised per channel
when ``preprocess`` is set, classified by the ONNX model on ONNX Runtime's CPU provider (TensorRT is not on this
machine; ``use_tensorrt`` falls back as the seed's server does when the engine is missing), one
``data: {...}`` event per frame at the requested ``fps`` on a deadline schedule, then the completion event.
Also ``GET /health``, ``POST /infer``, ``POST /infer/{backend}``, ``GET /infer/stream/stats`` and
``POST /benchmark``. With ``--api-key`` the endpoints need ``X-API-Key`` (the seed's security section).

Run: ``python emg_sse_server.py --model emg.onnx --port 8002``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
from collections.abc import AsyncIterator

import numpy as np
import onnxruntime as ort
import uvicorn
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

CHANNELS = 16
WINDOW = 200
SAMPLING_RATE = 2000.0


def cpu_session_options() -> ort.SessionOptions:
    """ONNX Runtime on the CPU: one intra-op thread, no spinning."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return opts


class DummyEmgStream:
    """Per channel a sine of its own frequency and phase plus Gaussian noise; windows advance by ``hop``."""

    def __init__(self, seed: int = 1, hop: int = WINDOW) -> None:
        self.rng = np.random.default_rng(seed)
        self.hop = hop
        self.start = 0
        channels = np.arange(CHANNELS, dtype=np.float64)[:, None]
        self.freq = 20.0 + 15.0 * channels
        self.amp = 0.5 + 0.1 * channels
        self.phase = channels
        self.offsets = np.arange(WINDOW, dtype=np.float64)[None, :]

    def next_window(self) -> np.ndarray:
        """The next ``[16, 200]`` float32 window."""
        t = (self.start + self.offsets) / SAMPLING_RATE
        window = self.amp * np.sin(2 * np.pi * self.freq * t + self.phase)
        window += 0.05 * self.rng.standard_normal(window.shape)
        self.start += self.hop
        return window.astype(np.float32)


class EmgModel:
    """The EMG classifier: ``emg [N,16,200]`` → logits ``[N,7]``."""

    def __init__(self, path: str) -> None:
        self.session = ort.InferenceSession(path, cpu_session_options(), providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name

    def classify(self, window: np.ndarray, preprocess: bool) -> tuple[int, float, list[int]]:
        """Returns (prediction, confidence, output shape) for one window."""
        if preprocess:
            mean = window.mean(axis=1, keepdims=True)
            std = window.std(axis=1, keepdims=True) + 1e-6
            window = (window - mean) / std
        logits = self.session.run([self.output_name], {self.input_name: window[None]})[0]
        row = logits[0]
        e = np.exp(row - row.max())
        probs = e / e.sum()
        k = int(probs.argmax())
        return k, float(probs[k]), list(logits.shape)


class StreamConfig(BaseModel):
    """The seed's ``POST /infer/stream`` body."""

    duration_seconds: float | None = None
    use_tensorrt: bool = True
    fps: int = 30
    preprocess: bool = True


class InferRequest(BaseModel):
    """The seed's ``POST /infer`` body."""

    batch: int = 1
    channels: int = CHANNELS
    length: int = WINDOW
    steps: int = 1


class CpuMeter:
    """The process's CPU percentage since the previous reading (what the seed reads with psutil)."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def percent(self) -> float:
        wall, cpu = time.perf_counter(), time.process_time()
        dw, dc = wall - self.wall, cpu - self.cpu
        self.wall, self.cpu = wall, cpu
        return round(100.0 * dc / dw, 1) if dw > 0 else 0.0


def create_app(model: EmgModel, api_key: str | None) -> FastAPI:
    """The FastAPI application."""
    app = FastAPI(title="EMG streaming inference (seed rebuild)")
    active = {"streams": 0}

    def check_key(given: str | None) -> None:
        if api_key is not None and given != api_key:
            raise HTTPException(status_code=403, detail="Invalid API key")

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok", "tensorrt_available": False, "emg_mode": "dummy"}

    @app.get("/infer/stream/stats")
    async def stream_stats() -> dict:
        return {"tensorrt_available": False, "emg_mode": "dummy", "emg_window_size": WINDOW,
                "emg_channels": CHANNELS, "emg_sampling_rate": int(SAMPLING_RATE), "active_streams": active["streams"]}

    @app.post("/benchmark")
    async def benchmark(num_iterations: int = 1000, x_api_key: str | None = Header(None)) -> dict:
        check_key(x_api_key)
        source = DummyEmgStream()
        times = []
        for _ in range(num_iterations):
            window = source.next_window()
            t = time.perf_counter()
            model.classify(window, True)
            times.append((time.perf_counter() - t) * 1000.0)
        times.sort()
        mean = sum(times) / len(times)
        return {"onnxruntime": {"mean_latency_ms": round(mean, 3),
                                "median_latency_ms": round(times[len(times) // 2], 3),
                                "p99_latency_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 3),
                                "throughput_qps": round(1000.0 / mean, 2)}}

    @app.post("/infer/stream")
    async def infer_stream(config: StreamConfig, x_api_key: str | None = Header(None)) -> StreamingResponse:
        check_key(x_api_key)
        if config.fps < 1:
            raise HTTPException(status_code=400, detail="fps must be at least 1")
        return StreamingResponse(events(model, config, active), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    # after /infer/stream, so that "/infer/{backend}" does not capture it
    @app.post("/infer")
    @app.post("/infer/{backend}")
    async def infer(req: InferRequest, backend: str = "onnx", x_api_key: str | None = Header(None)) -> dict:
        check_key(x_api_key)
        source = DummyEmgStream()
        started = time.perf_counter()
        prediction, confidence, shape = 0, 0.0, []
        for _ in range(max(1, req.steps)):
            prediction, confidence, shape = model.classify(source.next_window(), True)
        latency = (time.perf_counter() - started) * 1000.0 / max(1, req.steps)
        return {"latency_ms": f"{latency:.3f}", "prediction": str(prediction), "confidence": f"{confidence:.4f}",
                "shape": str(shape), "backend": "onnxruntime"}

    return app


async def events(model: EmgModel, config: StreamConfig, active: dict[str, int]) -> AsyncIterator[str]:
    """One SSE event per frame at ``fps``, then the completion event."""
    source = DummyEmgStream()
    meter = CpuMeter()
    interval = 1.0 / config.fps
    total = None if config.duration_seconds is None else math.ceil(config.duration_seconds * config.fps)
    started = time.perf_counter()
    frame = 0
    active["streams"] += 1
    try:
        while total is None or frame < total:
            frame += 1
            window = source.next_window()
            t = time.perf_counter()
            try:
                prediction, confidence, shape = model.classify(window, config.preprocess)
            except Exception as e:  # the seed streams an error event and goes on
                yield "data: " + json.dumps({"error": str(e), "timestamp": round(time.time(), 3),
                                             "frame": frame}) + "\n\n"
                continue
            latency_ms = (time.perf_counter() - t) * 1000.0
            yield "data: " + json.dumps({
                "timestamp": round(time.time(), 3),
                "frame": frame,
                "latency_ms": round(latency_ms, 3),
                "prediction": prediction,
                "confidence": round(confidence, 4),
                "shape": shape,
                "backend": "onnxruntime",
                "cpu_percent": meter.percent(),
            }) + "\n\n"
            delay = started + frame * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        elapsed = time.perf_counter() - started
        yield "data: " + json.dumps({"status": "completed", "total_frames": frame,
                                     "duration_seconds": round(elapsed, 3),
                                     "avg_fps": round(frame / elapsed, 2) if elapsed > 0 else 0.0}) + "\n\n"
    finally:
        active["streams"] -= 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="ONNX EMG classifier")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--api-key", default=None, help="require this X-API-Key")
    args = parser.parse_args()
    app = create_app(EmgModel(args.model), args.api_key)
    print(f"emg_sse_server: listening on http://{args.host}:{args.port}/infer/stream", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, loop="uvloop", http="httptools", log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
