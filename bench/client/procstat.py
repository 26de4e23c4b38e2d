"""CPU time and resident memory of a server process, read from /proc (all threads: the process totals)."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class ProcSample:
    """CPU seconds (user + system) and RSS in bytes at one moment."""

    cpu_seconds: float
    rss_bytes: int


def sample(pid: int) -> ProcSample:
    """Reads ``/proc/<pid>/stat``: utime + stime (fields 14 and 15) and rss (field 24, pages)."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        text = f.read().decode()
    # the command name (field 2) may hold spaces; the fields after it start past the last ')'
    fields = text[text.rindex(")") + 2:].split()
    utime, stime, rss = int(fields[11]), int(fields[12]), int(fields[21])
    return ProcSample(cpu_seconds=(utime + stime) / _TICKS, rss_bytes=rss * _PAGE)


def cpu_between(before: ProcSample, after: ProcSample) -> float:
    """CPU seconds spent between two samples."""
    return round(after.cpu_seconds - before.cpu_seconds, 3)


def wait_quiet(pid: int, below_cores: float = 0.5, timeout_s: float = 10.0, step_s: float = 0.25) -> float:
    """Waits until the process uses less than ``below_cores`` for one step (a backlog from the previous load
    finished), at most ``timeout_s``; returns the seconds waited."""
    started = time.monotonic()
    previous = sample(pid)
    while time.monotonic() - started < timeout_s:
        time.sleep(step_s)
        current = sample(pid)
        if current.cpu_seconds - previous.cpu_seconds < below_cores * step_s:
            break
        previous = current
    return round(time.monotonic() - started, 2)
