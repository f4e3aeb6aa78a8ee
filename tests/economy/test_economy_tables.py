"""The consequences' long table (run, year, series, value) reads back to the same runs."""

from __future__ import annotations

import numpy as np
import pytest

from apparat.economy import load_economy, programme_lines, simulate_economy
from apparat.economy.tables import STORED, from_rows, to_rows


def test_rows_read_back_to_the_same_values_in_any_row_order() -> None:
    """to_rows then from_rows gives each stored series run by run, whatever the order."""
    data = load_economy()
    runs = np.array([7, 3, 11], dtype=np.int64)
    cons = simulate_economy(data, programme_lines(data, "stalin_course", 3), 1, runs)
    rows = to_rows(cons).sample(frac=1.0, random_state=0)
    back = from_rows(rows)
    order = np.argsort(runs)
    assert back.runs.tolist() == [3, 7, 11]
    assert back.years == cons.years
    for name in STORED:
        np.testing.assert_array_equal(back.values[name], cons.values[name][order])


def test_a_run_missing_a_year_is_refused() -> None:
    """A table whose runs do not all have every year mixes experiments: refused."""
    data = load_economy()
    rows = to_rows(simulate_economy(data, programme_lines(data, "nep_continued", 2), 1))
    with pytest.raises(ValueError, match="lacks some runs or years"):
        from_rows(rows.iloc[1:])
