"""The side-by-side table printed at the end of a run."""
from __future__ import annotations

from typing import Any

STACKS = ("python", "ours")


def _f(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _ratio(ours: Any, python: Any) -> str:
    if not isinstance(ours, (int, float)) or not isinstance(python, (int, float)) or python == 0:
        return "-"
    return f"{ours / python:.2f}x"


def _errors(errors: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(errors.items())) or "0"


def table(results: dict[str, Any]) -> str:
    """Renders every section present in ``results`` as plain-text tables."""
    out: list[str] = []
    loads = results.get("loads", {})
    if loads:
        out.append("VLA WebSocket /v1/stream: 320x240 JPEG frames, open loop (RTT in ms; CPU = server CPU-seconds "
                   "from first frame to end of drain)")
        head = (f"{'load':<8} {'stack':<7} {'sent':>7} {'actions':>7} {'p50':>7} {'p99':>8} {'max':>8} "
                f"{'CPU-s':>6} {'RSS MB':>7} {'unansw.':>7}  errors / failed sessions")
        out += [head, "-" * len(head)]
        for name, per_stack in loads.items():
            for stack in STACKS:
                r = per_stack.get(stack)
                if r is None:
                    continue
                rtt = r["rtt_ms"]
                failed = f" / failed: {_errors(r['failed_sessions'])}" if r["failed_sessions"] else ""
                out.append(f"{name:<8} {stack:<7} {r['frames_sent']:>7} {r['actions']:>7} {_f(rtt['p50']):>7} "
                           f"{_f(rtt['p99']):>8} {_f(rtt['max']):>8} {_f(r['server_cpu_s']):>6} "
                           f"{_f(r['server_rss_mb'], 0):>7} {r['unanswered']:>7}  {_errors(r['errors'])}{failed}")
            if "python" in per_stack and "ours" in per_stack:
                p, o = per_stack["python"], per_stack["ours"]
                out.append(f"{'':<8} {'ours/py':<7} {'':>7} {_ratio(o['actions'], p['actions']):>7} "
                           f"{_ratio(o['rtt_ms']['p50'], p['rtt_ms']['p50']):>7} "
                           f"{_ratio(o['rtt_ms']['p99'], p['rtt_ms']['p99']):>8} {'':>8} "
                           f"{_ratio(o['server_cpu_s'], p['server_cpu_s']):>6}")
        out.append("")
    cold = results.get("cold", {})
    if cold:
        out.append("First frames after start (1x50 on a freshly started server, before any warm-up; RTT ms)")
        for stack in STACKS:
            if stack in cold:
                c = cold[stack]
                f, r = c["first_100_rtt_ms"], c["after_100_rtt_ms"]
                steady = results.get("loads", {}).get("1x50", {}).get(stack, {}).get("rtt_ms", {})
                out.append(f"  {stack:<7} first 100 frames p50 {_f(f['p50'])} p99 {_f(f['p99'])} max {_f(f['max'])}; "
                           f"frames 101+ p99 {_f(r['p99'])}; steady 1x50 p99 {_f(steady.get('p99'))}")
        out.append("")
    silent = results.get("silent", {})
    if silent:
        out.append("Connected, silent sessions (server CPU-seconds per second)")
        for stack in STACKS:
            if stack in silent:
                s = silent[stack]
                out.append(f"  {stack:<7} {s['connected']}/{s['sessions']} sessions, {s['seconds']} s: "
                           f"{_f(s['server_cpu_s_per_s'], 4)} CPU-s/s, RSS {_f(s['server_rss_mb'], 0)} MB")
        out.append("")
    sse = results.get("sse", {})
    if sse:
        out.append("EMG SSE stream POST /infer/stream")
        head = (f"  {'stack':<7} {'events':>11} {'in order':>8} {'gaps':>4} {'first ms':>8} {'lat p50':>7} "
                f"{'lat p99':>7} {'int p99':>7} {'CPU-s':>6}")
        out += [head]
        for stack in STACKS:
            if stack in sse:
                s = sse[stack]
                out.append(f"  {stack:<7} {str(s['events']) + '/' + str(s['expected_events']):>11} "
                           f"{'yes' if s['in_order'] else 'NO':>8} {s['gaps']:>4} {_f(s['first_event_ms'], 1):>8} "
                           f"{_f(s['server_latency_ms']['p50'], 3):>7} {_f(s['server_latency_ms']['p99'], 3):>7} "
                           f"{_f(s['interval_ms']['p99'], 1):>7} {_f(s['server_cpu_s']):>6}")
        out.append("")
    openpi = results.get("openpi")
    if openpi:
        out.append("openpi endpoint, openpi's WebsocketClientPolicy, lockstep (ms)")
        if "skipped" in openpi:
            out.append(f"  skipped: {openpi['skipped']}")
        else:
            r, st, pt = openpi["rtt_ms"], openpi["server_timing_infer_ms"], openpi["policy_timing_infer_ms"]
            out.append(f"  ours    {openpi['requests']} requests: RTT p50 {_f(r['p50'], 3)} p99 {_f(r['p99'], 3)} "
                       f"max {_f(r['max'], 3)}; server_timing.infer_ms p50 {_f(st['p50'], 3)} p99 {_f(st['p99'], 3)}; "
                       f"policy_timing.infer_ms p50 {_f(pt['p50'], 3)}; CPU-s {_f(openpi['server_cpu_s'])}; "
                       f"errors {_errors(openpi['errors'])}")
        out.append("")
    return "\n".join(out)
