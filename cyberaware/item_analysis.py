"""Quiz and item statistics as plain functions (no Flask, no database).

The definitions follow Moodle's quiz statistics report (see docs/analytics.md). Inputs are
sufficient statistics (counts and sums) that SQL computes with GROUP BY, so nothing here
grows with the number of attempts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

FACILITY_HIGH = 0.95
FACILITY_LOW = 0.20
DISCRIMINATION_LOW = 0.10


@dataclass(frozen=True)
class Sums:
    """Sufficient statistics of a question over n attempts.

    ``x`` is the question's mark, ``r`` the rest of the attempt's mark (total minus x).
    """

    n: int
    max_mark: float
    sum_x: float
    sum_x2: float
    sum_r: float
    sum_r2: float
    sum_xr: float


def mean(total: float, n: int) -> float | None:
    """``total / n``, or None when n is 0."""
    return total / n if n else None


def variance(sum_x: float, sum_x2: float, n: int, sample: bool = True) -> float | None:
    """Variance from sums (sample variance, n - 1, by default); None when undefined."""
    if n < (2 if sample else 1):
        return None
    value = (sum_x2 - sum_x * sum_x / n) / (n - 1 if sample else n)
    return max(value, 0.0)


def correlation(s: Sums) -> float | None:
    """Pearson correlation between the question's mark and the rest of the mark; None when
    either has no variance (everyone got the same mark)."""
    if s.n < 2:
        return None
    cov = s.sum_xr - s.sum_x * s.sum_r / s.n
    var_x = s.sum_x2 - s.sum_x * s.sum_x / s.n
    var_r = s.sum_r2 - s.sum_r * s.sum_r / s.n
    if var_x <= 1e-12 or var_r <= 1e-12:
        return None
    return max(-1.0, min(1.0, cov / math.sqrt(var_x * var_r)))


@dataclass
class ItemStats:
    """One question's statistics (ratios are 0..1; the page shows percentages)."""

    question_id: str
    n: int
    max_mark: float
    facility: float | None  # mean mark / max mark
    sd: float | None  # standard deviation of the mark / max mark
    discrimination: float | None  # corr(mark, rest of the quiz)
    flags: list[str] = field(default_factory=list)


def item_stats(question_id: str, s: Sums) -> ItemStats:
    """Facility, standard deviation and discrimination index of one question."""
    facility = None
    sd = None
    if s.n and s.max_mark > 0:
        facility = s.sum_x / s.n / s.max_mark
        var = variance(s.sum_x, s.sum_x2, s.n)
        sd = math.sqrt(var) / s.max_mark if var is not None else None
    stats = ItemStats(question_id, s.n, s.max_mark, facility, sd, correlation(s))
    stats.flags = item_flags(stats)
    return stats


def item_flags(stats: ItemStats) -> list[str]:
    """Codes pointing the instructor to a question worth a look."""
    flags = []
    if stats.facility is not None and stats.facility > FACILITY_HIGH:
        flags.append("too-easy")
    if stats.facility is not None and stats.facility < FACILITY_LOW:
        flags.append("too-hard")
    if stats.discrimination is not None and stats.discrimination < 0:
        flags.append("negative-discrimination")
    elif stats.discrimination is not None and stats.discrimination < DISCRIMINATION_LOW:
        flags.append("low-discrimination")
    return flags


def cronbach_alpha(item_variances: Sequence[float], total_variance: float | None) -> float | None:
    """Cronbach's alpha, k/(k-1) × (1 − Σ item variances / variance of the totals).

    None with fewer than two items or no variance in the totals.
    """
    k = len(item_variances)
    if k < 2 or total_variance is None or total_variance <= 1e-12:
        return None
    return k / (k - 1) * (1 - sum(item_variances) / total_variance)


def median_from_histogram(counts: dict[float, int]) -> float | None:
    """Median of values given as ``{value: count}`` (lower median for an even count)."""
    n = sum(counts.values())
    if n == 0:
        return None
    target = (n - 1) // 2
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen > target:
            return value
    return None


def histogram(ratios_by_bucket: dict[int, int], buckets: int = 10) -> list[tuple[str, int]]:
    """``[(label, count)]`` for score buckets 0–10 %, …, 90–100 % (100 % falls in the last)."""
    return [(f"{i * 100 // buckets}–{(i + 1) * 100 // buckets} %", ratios_by_bucket.get(i, 0)) for i in range(buckets)]


def unpicked_options(option_count: int, chosen_counts: dict[int, int]) -> list[int]:
    """Indices of options nobody chose."""
    return [i for i in range(option_count) if not chosen_counts.get(i)]


def option_counts(keys_with_counts: Iterable[tuple[str, int]]) -> dict[int, int]:
    """Per-option counts from stored response keys (``"2"`` or ``"0,2"`` for several)."""
    counts: dict[int, int] = {}
    for key, count in keys_with_counts:
        for part in (key or "").split(","):
            if part.isdigit():
                counts[int(part)] = counts.get(int(part), 0) + count
    return counts
