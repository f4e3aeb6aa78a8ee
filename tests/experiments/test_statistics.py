"""Ensemble statistics: Wilson intervals and shares of runs."""

from __future__ import annotations

import numpy as np
import pytest

from apparat.experiments.statistics import shares, wilson


def test_wilson_matches_published_values() -> None:
    """Known answers: 5 of 10 gives [0.237, 0.763]; 0 of 10 gives [0, 0.278]."""
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    low, high = wilson(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)


def test_wilson_refuses_an_empty_ensemble() -> None:
    """A share of no runs is an error, not a division by zero."""
    with pytest.raises(ValueError, match="at least one run"):
        wilson(0, 0)


def test_shares_are_sorted_labelled_and_sum_to_one() -> None:
    """Each code's share of runs, largest first, named by its label."""
    out = shares(np.array([1, 1, 1, -1]), {1: "Stalin", -1: "no one"})
    assert [s.label for s in out] == ["Stalin", "no one"]
    assert sum(s.share for s in out) == pytest.approx(1.0)
    assert out[0].low < out[0].share < out[0].high
