"""Percentiles and summaries of latency samples."""
from __future__ import annotations

import math
from typing import Sequence


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile ``q`` (0-100) of already sorted values; None when there are none."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summary(values: Sequence[float]) -> dict[str, float | int | None]:
    """Count, p50, p99 and max of the values (milliseconds in, milliseconds out, rounded to µs)."""
    s = sorted(values)
    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 3)
    return {"count": len(s), "p50": r(percentile(s, 50)), "p99": r(percentile(s, 99)),
            "max": r(s[-1] if s else None)}
