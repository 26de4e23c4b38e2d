"""Starting and stopping the servers under test, one stack at a time."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent.parent
ROOT = BENCH.parent


@dataclass
class Server:
    """A running server process and where it listens."""

    name: str
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's output."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start(name: str, command: list[str], port: int, health_path: str, log_dir: Path,
          env: dict[str, str] | None = None, timeout_s: float = 90.0) -> Server:
    """Starts ``command`` and waits until ``GET health_path`` answers 200; raises with the log tail if it doesn't."""
    log = log_dir / f"{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                   env={**os.environ, **(env or {})}, start_new_session=True)
    server = Server(name, process, port, log)
    deadline = time.monotonic() + timeout_s
    url = f"http://127.0.0.1:{port}{health_path}"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before it was ready:\n{server.log_tail()}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(server)
    raise RuntimeError(f"{name} not ready after {timeout_s:.0f} s:\n{server.log_tail()}")


def stop(server: Server, timeout_s: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within ``timeout_s``."""
    if server.process.poll() is not None:
        return
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def _key_args(api_key: str | None, suffix: str = ":enterprise") -> list[str]:
    return [] if api_key is None else ["--api-key", api_key + suffix]


def ours(port: int, api_key: str | None, policy: Path, log_dir: Path, java_opts: str | None,
         server_args: list[str] | None = None) -> Server:
    """bin/streaminfer-server (already built) on the shared policy file; its synthetic EMG model is emg.onnx's."""
    command = [str(ROOT / "bin" / "streaminfer-server"), "--port", str(port), "--model", str(policy),
               *_key_args(api_key), *(server_args or [])]
    env = {"STREAMINFER_SKIP_BUILD": "1"}
    if java_opts is not None:
        env["JAVA_OPTS"] = java_opts
    return start("ours", command, port, "/healthz", log_dir, env=env)


def python_vla(port: int, api_key: str | None, policy: Path, log_dir: Path) -> Server:
    """The VLA seed's server rebuilt in Python."""
    command = [sys.executable, str(BENCH / "seeds" / "vla_server.py"), "--port", str(port), "--model", str(policy),
               *_key_args(api_key)]
    return start("python-vla", command, port, "/health", log_dir)


def python_emg(port: int, api_key: str | None, model: Path, log_dir: Path) -> Server:
    """The EMG seed's SSE server rebuilt in Python."""
    command = [sys.executable, str(BENCH / "seeds" / "emg_sse_server.py"), "--port", str(port), "--model",
               str(model), *_key_args(api_key, "")]
    return start("python-emg", command, port, "/health", log_dir)
