"""Soak: ``--sessions`` VLA sessions at ``--hz`` for ``--minutes`` against bin/streaminfer-server with ZGC and Native
Memory Tracking, sampling RSS, open descriptors, heap used, and NMT's committed totals (``Other`` holds direct
buffers, Netty's included) over time. Optionally with Netty's paranoid leak detector: then any ``LEAK`` report in the
server's log fails the run. Writes JSON; exits 1 when memory was not flat or a leak was reported.

    bench/attack/soak --minutes 60 --sessions 20 --hz 50              # the hour (not a CI job)
    bench/attack/soak --minutes 3 --sessions 5 --hz 20 --paranoid     # the leak-detector run
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import websockets

from . import payloads, target

ZGC = "-XX:+UseZGC -XX:NativeMemoryTracking=summary -Xmx1g"
PARANOID = " -Dio.netty.leakDetection.level=paranoid"


def jcmd(pid: int, *what: str) -> str:
    try:
        return subprocess.run(["jcmd", str(pid), *what], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def sample(t: target.Target, started: float) -> dict:
    """One point of the time series."""
    nmt = jcmd(t.pid, "VM.native_memory", "summary", "scale=KB")
    heap = jcmd(t.pid, "GC.heap_info")
    s = {"t_s": round(time.monotonic() - started, 1), "rss_mb": round(t.rss_mb(), 1), "fds": t.fds()}
    m = re.search(r"Total: reserved=\d+KB, committed=(\d+)KB", nmt)
    s["nmt_committed_mb"] = round(int(m.group(1)) / 1024, 1) if m else None
    for category in ("Java Heap", "Other", "Thread", "Class", "Internal"):
        m = re.search(re.escape(category) + r" \(reserved=\d+KB, committed=(\d+)KB\)", nmt)
        s["nmt_" + category.lower().replace(" ", "_") + "_mb"] = round(int(m.group(1)) / 1024, 1) if m else None
    m = re.search(r"used (\d+)M", heap)
    s["heap_used_mb"] = int(m.group(1)) if m else None
    return s


async def session(port: int, hz: float, end: float, counts: dict, image: bytes) -> None:
    try:
        async with websockets.connect(f"ws://127.0.0.1:{port}/v1/stream", max_size=None, ping_interval=None) as ws:
            await ws.send(payloads.vla_auth(target.ATTACK_KEY, hz))
            await asyncio.wait_for(ws.recv(), 30)

            async def read():
                async for raw in ws:
                    msg = json.loads(raw)
                    key = "actions" if msg.get("type") == "action" else "errors"
                    counts[key] += 1

            reader = asyncio.create_task(read())
            n, start = 0, time.monotonic()
            while time.monotonic() < end:
                delay = start + n / hz - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                await ws.send(payloads.vla_frame(image, n + 1))
                counts["sent"] += 1
                n += 1
            await asyncio.sleep(2.0)
            reader.cancel()
    except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as e:
        counts["session_failures"] += 1
        counts.setdefault("failure_kinds", []).append(type(e).__name__)


async def load(t: target.Target, sessions: int, hz: float, seconds: float, every_s: float, samples: list,
               started: float) -> dict:
    counts = {"sent": 0, "actions": 0, "errors": 0, "session_failures": 0}
    image = payloads.gradient_png()
    end = time.monotonic() + seconds
    tasks = [asyncio.create_task(session(t.port, hz, end, counts, image)) for _ in range(sessions)]
    while time.monotonic() < end:
        await asyncio.sleep(min(every_s, max(0.0, end - time.monotonic())))
        samples.append(await asyncio.to_thread(sample, t, started))
        print(f"[soak] {samples[-1]}", file=sys.stderr, flush=True)
    await asyncio.gather(*tasks)
    return counts


def flat(samples: list, key: str, slack_mb: float) -> dict:
    """Mean of the last quarter against the mean of the first quarter after the first sample (warm-up)."""
    values = [s[key] for s in samples[1:] if s.get(key) is not None]
    if len(values) < 4:
        return {"metric": key, "ok": True, "note": "too few samples to judge"}
    q = max(1, len(values) // 4)
    first, last = sum(values[:q]) / q, sum(values[-q:]) / q
    return {"metric": key, "first_quarter": round(first, 1), "last_quarter": round(last, 1),
            "ok": last <= first * 1.10 + slack_mb}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--hz", type=float, default=50)
    ap.add_argument("--sample-seconds", type=float, default=None, help="default: 30, or 10 under 10 minutes")
    ap.add_argument("--paranoid", action="store_true", help="Netty's paranoid leak detector; a LEAK fails the run")
    ap.add_argument("--out", default=str(target.ROOT / "bench" / "results"))
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so that the server is stopped too
    every = args.sample_seconds or (10.0 if args.minutes < 10 else 30.0)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path(args.out) / f"soak-{stamp}"
    out_dir.mkdir(parents=True, exist_ok=True)
    java_opts = ZGC + (PARANOID if args.paranoid else "")
    t = target.start(out_dir, java_opts)
    started = time.monotonic()
    samples = [sample(t, started)]
    try:
        counts = asyncio.run(load(t, args.sessions, args.hz, args.minutes * 60, every, samples, started))
        jcmd(t.pid, "GC.run")  # the leak detector reports buffers the GC found unreleased, on later allocations
        asyncio.run(load(t, 1, 10, 3.0, 3.0, samples, started))
    finally:
        shutdown_s = target.stop(t)
    leaks = target.leak_lines(t.log_text())
    # RSS is reported, not judged: ZGC on JDK 17 maps each heap page three times (colored pointers), so RSS climbs as
    # the heap is touched, towards several times the committed heap, without anything leaking; NMT's committed
    # figures are the measure
    rss = flat(samples, "rss_mb", 64)
    rss["ok"] = None
    checks = [flat(samples, "heap_used_mb", 64), flat(samples, "nmt_other_mb", 16),
              flat(samples, "nmt_committed_mb", 64), flat(samples, "fds", 8)]
    ok = all(c["ok"] for c in checks) and not leaks and counts["session_failures"] == 0
    checks.insert(0, rss)
    report = {"started_utc": stamp, "java_opts": java_opts, "sessions": args.sessions, "hz": args.hz,
              "minutes": args.minutes, "counts": counts, "checks": checks, "netty_leak_reports": leaks[:20],
              "sigterm_exit_seconds": shutdown_s, "ok": ok, "samples": samples, "server_log": str(t.log)}
    path = out_dir / "soak.json"
    path.write_text(json.dumps(report, indent=2))
    print(json.dumps({k: report[k] for k in ("counts", "checks", "sigterm_exit_seconds", "ok")}, indent=1))
    print(f"Netty LEAK reports: {len(leaks)}; report {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
