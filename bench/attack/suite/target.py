"""The server under attack: started from bin/streaminfer-server on a free loopback port with three keys, observed
through /proc (RSS, open file descriptors), jcmd (live session objects after a full GC) and /metrics."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import wire

ROOT = Path(__file__).resolve().parents[3]
PAGE = os.sysconf("SC_PAGE_SIZE")
SESSION_CLASS = "io.github.streaminfer.session.StreamingInferenceSession"

HEALTHY_KEY = "healthy_key_0123456789"
ATTACK_KEY = "attack_key_0123456789"
FREE_KEY = "free_key_0123456789"


def free_port() -> int:
    """A port the kernel just handed out on loopback (closed again; the server binds it right after)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Target:
    """A running server."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> float:
        """Resident memory in MB (from /proc/<pid>/statm)."""
        with open(f"/proc/{self.pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE / 1e6

    def fds(self) -> int:
        """Open file descriptors of the server process."""
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def live_sessions(self) -> int | None:
        """Instances of StreamingInferenceSession after a full GC (jcmd GC.class_histogram runs one), or None."""
        try:
            out = subprocess.run(["jcmd", str(self.pid), "GC.class_histogram"], capture_output=True, text=True,
                                 timeout=60).stdout
        except (OSError, subprocess.TimeoutExpired):
            return None
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[3] == SESSION_CLASS:
                return int(parts[1])
        return 0 if "num" in out else None

    def native_memory(self) -> str | None:
        """`jcmd VM.native_memory summary` (the server must run with -XX:NativeMemoryTracking), or None."""
        try:
            out = subprocess.run(["jcmd", str(self.pid), "VM.native_memory", "summary"], capture_output=True,
                                 text=True, timeout=60).stdout
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out if "Total:" in out else None

    def metric(self, name: str) -> float | None:
        """The sum of a /metrics series over its labels, or None if the server did not answer."""
        status, body = wire.get(self.port, "/metrics")
        if status != 200:
            return None
        total, seen = 0.0, False
        for line in body.decode(errors="replace").splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                total += float(line.rsplit(" ", 1)[1])
                seen = True
        return total if seen else 0.0

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_text(self, start: int = 0) -> str:
        with open(self.log, "rb") as f:
            f.seek(start)
            return f.read().decode(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None


def start(log_dir: Path, java_opts: str | None = None, timeout_s: float = 300.0) -> Target:
    """Starts the server (already built) with a pro key for the healthy client, an enterprise key for attackers that
    need one and a free key; waits until GET /healthz answers."""
    port = free_port()
    log = log_dir / "server.log"
    cmd = [str(ROOT / "bin" / "streaminfer-server"), "--host", "127.0.0.1", "--port", str(port),
           "--api-key", HEALTHY_KEY + ":pro", "--api-key", ATTACK_KEY + ":enterprise",
           "--api-key", FREE_KEY + ":free"]
    env = {**os.environ, "STREAMINFER_SKIP_BUILD": "1"}
    if java_opts:
        env["JAVA_OPTS"] = java_opts
    with open(log, "wb") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env, start_new_session=True)
    t = Target(p, port, log)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not t.alive():
            raise RuntimeError(f"server exited with {p.returncode}:\n{t.log_text()[-2000:]}")
        if wire.get(port, "/healthz", timeout=1.0)[0] == 200:
            return t
        time.sleep(0.3)
    stop(t)
    raise RuntimeError("server not ready in time:\n" + t.log_text()[-2000:])


def stop(t: Target, timeout_s: float = 15.0) -> float:
    """SIGTERM; returns the seconds it took to exit (SIGKILL after ``timeout_s``, then the result is -1)."""
    if not t.alive():
        return 0.0
    started = time.monotonic()
    t.process.send_signal(signal.SIGTERM)
    try:
        t.process.wait(timeout_s)
        return round(time.monotonic() - started, 2)
    except subprocess.TimeoutExpired:
        t.process.kill()
        t.process.wait()
        return -1.0


def leak_lines(text: str) -> list[str]:
    """Netty's leak detector reports (``LEAK: ...``)."""
    return [ln for ln in text.splitlines() if re.search(r"\bLEAK\b", ln)]
