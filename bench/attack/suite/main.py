"""The attack suite: starts bin/streaminfer-server on loopback, streams a healthy VLA client at 10 Hz beside every
attack, runs the attacks one after another and reports, per attack, held or failed with the healthy client's worst
stall and errors and the server's RSS and open descriptors before and after. Writes JSON; exits 1 when an attack
failed. See bench/attack/README.md."""
from __future__ import annotations

import argparse
import json
import resource
import signal
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from . import findings, held, messages, target
from .healthy import HealthyClient

STALL_LIMIT_MS = 250.0
RSS_RECOVERY = 0.20

def control(ctx, seconds: float = 8.0) -> list:
    """No attack: what the healthy client sees on this machine when nobody attacks (the noise floor)."""
    time.sleep(seconds)
    return []


ATTACKS = [
    ("control", control, "none"),
    ("session_leak_on_reset", findings.session_leak_on_reset, "finding 1"),
    ("huge_auth_message", findings.huge_auth_message, "finding 2"),
    ("stall_rate_limit", findings.stall_rate_limit, "finding 3"),
    ("decode_bomb", findings.decode_bomb, "finding 4"),
    ("slowloris_body", findings.slowloris_body, "finding 5"),
    ("preauth_large_bodies", findings.preauth_large_bodies, "finding 5"),
    ("idle_socket_flood", findings.idle_socket_flood, "finding 5"),
    ("ping_flood_no_read", findings.ping_flood_no_read, "finding 6"),
    ("large_messages", messages.large_messages, "finding 2"),
    ("log_injection", messages.log_injection, "finding 7"),
    ("ndarray_overflow", messages.ndarray_overflow, "finding 8"),
    ("pipelining_order", messages.pipelining_order, "finding 9"),
    ("internal_error_text", messages.internal_error_text, "finding 10"),
    ("close_code_999", messages.close_code_999, "finding 11"),
    ("bad_keys", held.bad_keys, "held"),
    ("protocol_violations", held.protocol_violations, "held"),
    ("input_limits", held.input_limits, "held"),
]


class Context:
    """What an attack gets: the server, the healthy client, attacker source addresses and a payload cache."""

    def __init__(self, t: target.Target, healthy: HealthyClient):
        self.target = t
        self.healthy = healthy
        self.baseline_sessions = 1
        self._cache: dict = {}

    @staticmethod
    def source(n: int) -> str:
        """An attacker's source address: 127.0.1.x, never the healthy client's 127.0.0.1."""
        return f"127.0.1.{n % 250 + 1}"

    def cache(self, key: str, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


def snapshot(t: target.Target) -> dict:
    return {"rss_mb": round(t.rss_mb(), 1), "fds": t.fds()}


def run_attack(ctx: Context, name: str, fn, finding: str, settle_s: float) -> dict:
    before = snapshot(ctx.target)
    started = time.monotonic()
    try:
        checks = fn(ctx)
        error = None
    except Exception as e:  # an attack that cannot run is a failed attack, with the reason
        checks, error = [], f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"
    ended = time.monotonic()
    time.sleep(settle_s)
    w = ctx.healthy.window(started, ended + settle_s)  # what lingers after an attack counts too
    after = snapshot(ctx.target) if ctx.target.alive() else {"rss_mb": None, "fds": None}
    checks.append(findings.check("healthy_worst_stall_ms", w.worst_stall_ms <= STALL_LIMIT_MS,
                                 {"worst_ms": round(w.worst_stall_ms, 1), "limit_ms": STALL_LIMIT_MS}))
    checks.append(findings.check("healthy_errors", not w.errors, w.errors))
    checks.append(findings.check("server_alive", ctx.target.alive(), {}))
    held_ = error is None and all(c["ok"] for c in checks)
    return {"attack": name, "finding": finding, "held": held_, "seconds": round(ended - started, 1),
            "healthy": w.to_json(), "before": before, "after": after, "checks": checks, "error": error}


QUIET_AT_END_S = 40.0


def save_native_memory(t: target.Target, path: Path) -> None:
    """Keeps the JVM's native memory summary (when the server tracks it) and the process's memory map beside the
    report: together they tell the JVM's own memory from the C heap of native libraries."""
    text = t.native_memory()
    if text is not None:
        path.write_text(text)
    try:
        smaps = Path(f"/proc/{t.pid}/smaps").read_text()
    except OSError:
        return
    path.with_suffix(".smaps").write_text(smaps)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", help="comma-separated attack names (default: all)")
    ap.add_argument("--out", default=str(target.ROOT / "bench" / "results"), help="directory for the JSON")
    ap.add_argument("--settle", type=float, default=2.0, help="seconds after each attack before measuring")
    ap.add_argument("--java-opts", default=None, help="JAVA_OPTS for the server")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so that the server is stopped too
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    chosen = [a for a in ATTACKS if not args.only or a[0] in args.only.split(",")]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path(args.out) / f"attack-{stamp}"
    out_dir.mkdir(parents=True, exist_ok=True)

    t = target.start(out_dir, args.java_opts)
    healthy = HealthyClient(t.port, target.HEALTHY_KEY)
    results = []
    suite_started = time.monotonic()
    baseline = final = {"rss_mb": None, "fds": None}
    live = None
    try:
        healthy.start()
        time.sleep(5.0)
        ctx = Context(t, healthy)
        ctx.baseline_sessions = t.live_sessions() or 1
        baseline = snapshot(t)
        save_native_memory(t, out_dir / "nmt-baseline.txt")
        print(f"server pid {t.pid} on 127.0.0.1:{t.port}; baseline {baseline}", file=sys.stderr)
        for name, fn, finding in chosen:
            print(f"[attack] {name} ...", file=sys.stderr, flush=True)
            r = run_attack(ctx, name, fn, finding, args.settle)
            results.append(r)
            print(f"[attack] {name}: {'held' if r['held'] else 'FAILED'}  stall {r['healthy']['worst_stall_ms']} ms"
                  f"  errors {r['healthy']['errors']}  rss {r['before']['rss_mb']} -> {r['after']['rss_mb']} MB"
                  f"  fds {r['before']['fds']} -> {r['after']['fds']}", file=sys.stderr, flush=True)
            if not t.alive():
                break
        time.sleep(QUIET_AT_END_S)  # the server gets this long to give back what the attacks made it take
        final = snapshot(t) if t.alive() else {"rss_mb": None, "fds": None}
        live = t.live_sessions() if t.alive() else None
        if t.alive():
            save_native_memory(t, out_dir / "nmt-final.txt")
    finally:
        healthy.stop()
        shutdown_s = target.stop(t)
    leaks = target.leak_lines(t.log_text())
    rss_ok = (final["rss_mb"] is not None and baseline["rss_mb"] is not None
              and final["rss_mb"] <= baseline["rss_mb"] * (1 + RSS_RECOVERY))
    control_ = next((r for r in results if r["attack"] == "control"), None)
    summary = {"machine_quiet": None if control_ is None else control_["held"], "baseline": baseline,
               "final": final, "rss_within_20_percent": rss_ok,
               "live_sessions_at_end": live, "sigterm_exit_seconds": shutdown_s, "netty_leak_reports": len(leaks),
               "suite_seconds": round(time.monotonic() - suite_started, 1),
               "held": [r["attack"] for r in results if r["held"]],
               "failed": [r["attack"] for r in results if not r["held"]]}
    report = {"started_utc": stamp, "server_log": str(t.log), "summary": summary, "attacks": results}
    path = out_dir / "attack.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\n{'attack':24} {'finding':11} {'result':7} {'stall ms':>9} {'RSS MB before→after':>22} {'fds':>11}")
    for r in results:
        print(f"{r['attack']:24} {r['finding']:11} {'held' if r['held'] else 'FAILED':7} "
              f"{r['healthy']['worst_stall_ms']:>9} {str(r['before']['rss_mb']) + '→' + str(r['after']['rss_mb']):>22} "
              f"{str(r['before']['fds']) + '→' + str(r['after']['fds']):>11}")
    if control_ is not None and not control_["held"]:
        print("\nNOTE: the control (no attack) failed: this machine was too busy to judge the healthy client's stall"
              " and error checks; judge those attacks by their own checks, or rerun on a quiet machine.")
    print(f"\nRSS baseline {baseline['rss_mb']} MB, final {final['rss_mb']} MB after {QUIET_AT_END_S:.0f} s of quiet "
          f"({'within' if rss_ok else 'NOT within'} 20 %); SIGTERM exit {shutdown_s} s; Netty LEAK reports "
          f"{len(leaks)}; report {path}")
    return 0 if summary["failed"] == [] and rss_ok and not leaks else 1


if __name__ == "__main__":
    sys.exit(main())
