"""The end-to-end harness: the seeds' Python stacks and our server, same models, same external clients.

Each stack runs alone (never both at once): its servers start, a warm-up load runs untimed, then every VLA load,
the silent sessions, the SSE stream and (ours only) the openpi client. Invoked by ``bench/run``; see
bench/README.md.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from client import images, openpi_load, procstat, sse_load, vla_load
from client.stats import summary
from harness import report, servers

BENCH = servers.BENCH
DEFAULT_LOADS = "1x50,10x50,50x20,50x50"


def run_async(coro: Coroutine) -> Any:
    """Runs a coroutine on uvloop when it is installed (it is, from requirements.txt), else on asyncio."""
    try:
        import uvloop
        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


def parse_loads(text: str) -> list[tuple[int, float]]:
    """``"1x50,10x50"`` → [(1, 50.0), (10, 50.0)]."""
    loads = []
    for part in text.split(","):
        sessions, _, hz = part.strip().partition("x")
        try:
            loads.append((int(sessions), float(hz)))
        except ValueError:
            raise SystemExit(f"--loads: '{part}' is not SESSIONSxHZ, e.g. 10x50") from None
    return loads


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run", description="End-to-end side-by-side harness: the seeds' Python "
                                "stacks against bin/streaminfer-server.")
    p.add_argument("--seconds", type=float, default=10.0, help="seconds per VLA load (default 10)")
    p.add_argument("--loads", default=DEFAULT_LOADS, help=f"SESSIONSxHZ list (default {DEFAULT_LOADS})")
    p.add_argument("--warmup", type=float, default=5.0, help="untimed 10x50 warm-up seconds per stack (default 5)")
    p.add_argument("--drain", type=float, default=2.0, help="seconds to wait for replies after the last frame")
    p.add_argument("--cold-seconds", type=float, default=4.0,
                   help="1x50 seconds against the freshly started server, before any warm-up (0 = skip)")
    p.add_argument("--silent-sessions", type=int, default=50, help="connected, silent sessions (0 = skip)")
    p.add_argument("--silent-seconds", type=float, default=10.0)
    p.add_argument("--sse-fps", type=int, default=100, help="SSE events per second (0 = skip the SSE case)")
    p.add_argument("--sse-seconds", type=float, default=10.0)
    p.add_argument("--openpi-client", metavar="DIR", help="directory holding the openpi_client package")
    p.add_argument("--openpi-seconds", type=float, default=10.0)
    p.add_argument("--stacks", default="python,ours", help="which stacks, in this order (default python,ours)")
    p.add_argument("--port", type=int, default=18000, help="first of three ports (ours, Python VLA, Python EMG)")
    p.add_argument("--api-key", default=None,
                   help="run both stacks with this key on the enterprise tier (50 fps per session; the SSE case "
                        "then needs --sse-fps 50 or less). Default: both servers open, no key")
    p.add_argument("--models", type=Path, default=BENCH / ".cache" / "models", help="policy.onnx and emg.onnx")
    p.add_argument("--java-opts", default=None, help="JAVA_OPTS for our server")
    p.add_argument("--server-args", default="", help="extra options for our server, e.g. '--inference-on workers'")
    p.add_argument("--out", type=Path, default=BENCH / "results", help="where the JSON goes")
    args = p.parse_args(argv)
    args.load_list = parse_loads(args.loads)
    args.stack_list = [s.strip() for s in args.stacks.split(",") if s.strip()]
    for s in args.stack_list:
        if s not in report.STACKS:
            raise SystemExit(f"--stacks: '{s}'; allowed: {', '.join(report.STACKS)}")
    return args


def prepare_openpi(source: str | None) -> tuple[str | None, str | None]:
    """Copies the given openpi_client package into bench/.cache/openpi; returns (dir for sys.path, skip reason)."""
    if source is None:
        return None, "no --openpi-client DIR given (a directory holding openpi's openpi_client package)"
    src = Path(source).expanduser().resolve()
    package = src if (src / "websocket_client_policy.py").is_file() else src / "openpi_client"
    if not (package / "websocket_client_policy.py").is_file():
        return None, f"--openpi-client {source}: no openpi_client/websocket_client_policy.py there"
    target = BENCH / ".cache" / "openpi"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(package, target / "openpi_client", ignore=shutil.ignore_patterns("*_test.py", "__pycache__"))
    return str(target), None


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def settle(stack: str, server: servers.Server) -> None:
    """Lets a backlog from the previous load finish before the next one starts."""
    waited = procstat.wait_quiet(server.pid)
    if waited > 1.0:
        say(f"{stack}: server busy for {waited:g} s after the load")


def run_vla_cases(stack: str, server: servers.Server, args: argparse.Namespace, frames: list[str],
                  results: dict[str, Any]) -> None:
    """Warm-up, every load, then the silent sessions, against one stack's VLA endpoint."""
    url = f"ws://127.0.0.1:{server.port}/v1/stream"
    key = args.api_key or ""
    if args.cold_seconds > 0:
        say(f"{stack}: first frames after start, 1x50 for {args.cold_seconds:g} s")
        r = run_async(vla_load.run_load(url, key, 1, 50.0, args.cold_seconds, frames, server.pid, args.drain))
        results["cold"][stack] = {"first_100_rtt_ms": summary(r.rtts_ms[:100]),
                                  "after_100_rtt_ms": summary(r.rtts_ms[100:]), "unanswered": r.unanswered}
        settle(stack, server)
    if args.warmup > 0:
        say(f"{stack}: warm-up 10x50 for {args.warmup:g} s")
        run_async(vla_load.run_load(url, key, 10, 50.0, args.warmup, frames, server.pid, args.drain))
        settle(stack, server)
    for sessions, hz in args.load_list:
        name = f"{sessions}x{hz:g}"
        say(f"{stack}: load {name} for {args.seconds:g} s")
        r = run_async(vla_load.run_load(url, key, sessions, hz, args.seconds, frames, server.pid,
                                        args.drain))
        results["loads"].setdefault(name, {})[stack] = r.to_json()
        settle(stack, server)
    if args.silent_sessions > 0:
        say(f"{stack}: {args.silent_sessions} connected, silent sessions for {args.silent_seconds:g} s")
        results["silent"][stack] = run_async(vla_load.run_silent(url, key, args.silent_sessions,
                                                                 args.silent_seconds, server.pid))


def run_sse_case(stack: str, server: servers.Server, args: argparse.Namespace, results: dict[str, Any]) -> None:
    base = f"http://127.0.0.1:{server.port}"
    if args.warmup > 0:
        say(f"{stack}: SSE warm-up stream for 1 s")
        run_async(sse_load.run_stream(base, args.api_key, args.sse_fps, 1.0, server.pid))
    say(f"{stack}: SSE stream {args.sse_fps} events/s for {args.sse_seconds:g} s")
    results["sse"][stack] = run_async(sse_load.run_stream(base, args.api_key,
                                                          args.sse_fps, args.sse_seconds, server.pid))


def guarded(stack: str, what: str, results: dict[str, Any], action: Callable[[], None]) -> None:
    """Runs one case; a failure is recorded and reported instead of ending the whole run."""
    try:
        action()
    except Exception as e:  # noqa: BLE001 (the harness reports every failure and goes on)
        say(f"{stack}: {what} FAILED: {type(e).__name__}: {e}")
        results["failures"].append({"stack": stack, "case": what, "error": f"{type(e).__name__}: {e}"})


def run_python(args: argparse.Namespace, frames: list[str], results: dict[str, Any], log_dir: Path) -> None:
    vla = servers.python_vla(args.port + 1, args.api_key, args.models / "policy.onnx", log_dir)
    try:
        guarded("python", "vla", results, lambda: run_vla_cases("python", vla, args, frames, results))
    finally:
        servers.stop(vla)
    if args.sse_fps > 0:
        emg = servers.python_emg(args.port + 2, args.api_key, args.models / "emg.onnx", log_dir)
        try:
            guarded("python", "sse", results, lambda: run_sse_case("python", emg, args, results))
        finally:
            servers.stop(emg)


def run_ours(args: argparse.Namespace, frames: list[str], results: dict[str, Any], log_dir: Path,
             openpi_dir: str | None) -> None:
    server = servers.ours(args.port, args.api_key, args.models / "policy.onnx", log_dir, args.java_opts,
                          args.server_args.split())
    try:
        guarded("ours", "vla", results, lambda: run_vla_cases("ours", server, args, frames, results))
        if args.sse_fps > 0:
            guarded("ours", "sse", results, lambda: run_sse_case("ours", server, args, results))
        if openpi_dir is not None:
            say(f"ours: openpi client, lockstep, {args.openpi_seconds:g} s")
            guarded("ours", "openpi", results, lambda: results.__setitem__("openpi", openpi_load.run_openpi(
                openpi_dir, "127.0.0.1", server.port, args.api_key, args.openpi_seconds, 50, server.pid)))
    finally:
        servers.stop(server)


def metadata(args: argparse.Namespace) -> dict[str, Any]:
    def cmd(*c: str) -> str:
        try:
            r = subprocess.run(c, capture_output=True, text=True, cwd=servers.ROOT)
        except OSError:
            return ""
        text = (r.stdout or r.stderr).strip()
        return text.splitlines()[0] if text else ""
    from importlib.metadata import version
    return {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": "bench/run " + " ".join(sys.argv[1:]),
        "git_commit": cmd("git", "rev-parse", "HEAD"),
        "cpus": os.cpu_count(), "loadavg_at_start": list(os.getloadavg()), "platform": platform.platform(),
        "python": platform.python_version(), "java": cmd("java", "-version"),
        "packages": {p: version(p) for p in ("fastapi", "uvicorn", "uvloop", "onnxruntime", "opencv-python-headless",
                                              "numpy", "websockets", "httpx")},
        "api_key": "enterprise tier" if args.api_key else "none (servers open)",
        "seconds": args.seconds, "loads": args.loads, "warmup_s": args.warmup, "drain_s": args.drain,
    }


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    openpi_dir, openpi_skip = prepare_openpi(args.openpi_client)
    for f in ("policy.onnx", "emg.onnx"):
        if not (args.models / f).is_file():
            raise SystemExit(f"{args.models / f} missing (bench/run writes it)")
    frames = vla_load.frame_messages([images.data_url(j) for j in images.jpeg_frames()])
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    log_dir = args.out / f"{stamp}-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"meta": metadata(args), "loads": {}, "cold": {}, "silent": {}, "sse": {}, "openpi": None,
                               "failures": []}
    if openpi_skip is not None:
        say(f"openpi case skipped: {openpi_skip}")
        results["openpi"] = {"skipped": openpi_skip}
    for stack in args.stack_list:
        try:
            if stack == "python":
                run_python(args, frames, results, log_dir)
            else:
                run_ours(args, frames, results, log_dir, openpi_dir)
        except RuntimeError as e:
            say(f"{stack}: could not start: {e}")
            results["failures"].append({"stack": stack, "case": "start", "error": str(e)})
    out = args.out / f"{stamp}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(report.table(results))
    for f in results["failures"]:
        print(f"FAILED: {f['stack']} {f['case']}: {f['error']}")
    print(f"results: {out}  (server logs: {log_dir})")
    return 1 if results["failures"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
