"""Item statistics on small hand-computed data sets (expected numbers written out)."""

from __future__ import annotations

import pytest

from cyberaware.item_analysis import (
    Sums,
    correlation,
    cronbach_alpha,
    histogram,
    item_stats,
    median_from_histogram,
    option_counts,
    unpicked_options,
    variance,
)


def sums(marks: list[float], totals: list[float], max_mark: float = 1.0) -> Sums:
    rest = [t - x for x, t in zip(marks, totals)]
    return Sums(len(marks), max_mark, sum(marks), sum(x * x for x in marks), sum(rest), sum(r * r for r in rest),
                sum(x * r for x, r in zip(marks, rest)))


# Data set 1: two independent items.   x1 = 1,1,0,0   x2 = 1,0,1,0   totals 2,1,1,0
X1, X2, T = [1, 1, 0, 0], [1, 0, 1, 0], [2, 1, 1, 0]


def test_facility_and_standard_deviation():
    stats = item_stats("q1", sums(X1, T))
    assert stats.facility == pytest.approx(0.5)
    assert stats.sd == pytest.approx(0.57735, abs=1e-5)  # sqrt(1/3): sample variance of 1,1,0,0


def test_independent_items_do_not_discriminate():
    stats = item_stats("q1", sums(X1, T))
    assert stats.discrimination == pytest.approx(0.0, abs=1e-12)
    assert stats.flags == ["low-discrimination"]


def test_alpha_of_independent_items_is_zero():
    v1, v2 = variance(sum(X1), sum(x * x for x in X1), 4), variance(sum(X2), sum(x * x for x in X2), 4)
    vt = variance(sum(T), sum(t * t for t in T), 4)
    assert (v1, v2, vt) == (pytest.approx(1 / 3), pytest.approx(1 / 3), pytest.approx(2 / 3))
    assert cronbach_alpha([v1, v2], vt) == pytest.approx(0.0, abs=1e-12)


# Data set 2: x1 = 1,1,0,0   x2 = 1,1,0,1   totals 2,2,0,1
Y1, Y2, U = [1, 1, 0, 0], [1, 1, 0, 1], [2, 2, 0, 1]


def test_discrimination_is_the_correlation_with_the_rest_of_the_quiz():
    # rest of q1 = Y2: cov SS = 0.5, SS(x) = 1, SS(rest) = 0.75 -> 0.5 / sqrt(0.75) = 0.57735
    assert item_stats("q1", sums(Y1, U)).discrimination == pytest.approx(0.57735, abs=1e-5)


def test_alpha_on_correlated_items():
    # var(Y1) = 1/3, var(Y2) = 0.25, var(U) = 2.75 / 3 -> alpha = 2 (1 - 0.58333 / 0.91667) = 0.72727
    v1 = variance(sum(Y1), sum(y * y for y in Y1), 4)
    v2 = variance(sum(Y2), sum(y * y for y in Y2), 4)
    vt = variance(sum(U), sum(u * u for u in U), 4)
    assert cronbach_alpha([v1, v2], vt) == pytest.approx(0.72727, abs=1e-5)


def test_a_question_everybody_gets_right_is_flagged_and_has_no_discrimination():
    stats = item_stats("easy", sums([1, 1, 1, 1], [3, 2, 2, 1]))
    assert stats.facility == 1.0 and stats.sd == 0.0 and stats.discrimination is None
    assert stats.flags == ["too-easy"]


def test_a_question_the_best_students_miss_has_negative_discrimination():
    # the two best attempts (totals 3) miss it, the two weakest get it
    stats = item_stats("suspect", sums([0, 0, 1, 1], [3, 3, 1, 1]))
    assert stats.discrimination == pytest.approx(-1.0)
    assert "negative-discrimination" in stats.flags


def test_too_hard_and_partial_marks():
    stats = item_stats("hard", sums([0, 0.5, 0, 0, 0], [1, 2, 3, 1, 0], max_mark=2))
    assert stats.facility == pytest.approx(0.05)  # mean 0.1 of 2 points
    assert "too-hard" in stats.flags


def test_undefined_statistics_are_none():
    assert item_stats("none", Sums(0, 1, 0, 0, 0, 0, 0)).facility is None
    assert correlation(Sums(1, 1, 1, 1, 1, 1, 1)) is None
    assert cronbach_alpha([0.2], 0.5) is None
    assert cronbach_alpha([0.2, 0.3], 0.0) is None


def test_median_histogram_and_options():
    assert median_from_histogram({0.2: 1, 0.5: 2, 1.0: 1}) == 0.5
    assert median_from_histogram({0.2: 2, 0.9: 2}) == 0.2  # lower median
    assert median_from_histogram({}) is None
    assert histogram({0: 3, 9: 1})[0] == ("0–10 %", 3) and histogram({9: 1})[9] == ("90–100 %", 1)
    assert option_counts([("2", 3), ("0,2", 2), ("", 5), ("x", 1)]) == {2: 5, 0: 2}
    assert unpicked_options(4, {0: 2, 2: 5}) == [1, 3]
