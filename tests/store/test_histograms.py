"""Mergeable histograms and moments: quantiles and means come back from the batches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from store_data import meta

from apparat.store import BINS, ResultsStore, StoreError, histogram_rows, moments_rows
from apparat.store.histograms import histogram_quantiles, quantile_name

QS = (0.05, 0.25, 0.5, 0.75, 0.95)


def test_histogram_rows_count_every_run_once() -> None:
    """Each (month, actor) histogram holds one count per run, in sparse rows only."""
    rng = np.random.default_rng(1)
    power = rng.dirichlet(np.ones(4), size=(300, 5))
    rows = histogram_rows(power, [f"m{i}" for i in range(5)], list("abcd"))
    assert list(rows.columns) == ["month", "actor", "bin", "count"]
    assert (rows["count"] > 0).all()
    assert rows["bin"].between(0, BINS - 1).all()
    assert (rows.groupby(["month", "actor"])["count"].sum() == 300).all()
    assert len(rows.groupby(["month", "actor"])) == 20


def test_histogram_bins_follow_the_rule() -> None:
    """Bin = min(int(share * 200), 199): 0 -> 0, 0.5 -> 100, 1 -> 199; NaN is left out."""
    power = np.array([[[0.0, 0.5, 1.0, np.nan, 0.0049]]])
    rows = histogram_rows(power, ["m"], ["a", "b", "c", "d", "e"]).set_index("actor")
    assert rows["bin"].to_dict() == {"a": 0, "b": 100, "c": 199, "e": 0}
    assert rows["bin"].dtype == np.int16
    assert rows["count"].dtype == np.int64


def test_shapes_must_match_the_labels() -> None:
    """A power array whose shape disagrees with the labels raises StoreError."""
    with pytest.raises(StoreError, match=r"power must be shaped \(runs, 2 months, 3\)"):
        histogram_rows(np.zeros((4, 3, 3)), ["a", "b"], ["x", "y", "z"])
    with pytest.raises(StoreError, match="line must be shaped"):
        moments_rows(np.zeros((4, 2)), ["a", "b"], ["x", "y", "z"])


@pytest.mark.parametrize(
    "draw",
    [
        lambda rng, shape: rng.uniform(0.0, 1.0, shape),
        lambda rng, shape: rng.beta(2.0, 8.0, shape),
    ],
    ids=["uniform", "skewed"],
)
def test_power_quantiles_match_numpy(store: ResultsStore, draw: object) -> None:
    """Quantiles from histograms merged over batches are within 0.005 of numpy's."""
    rng = np.random.default_rng(2)
    months, actors = ["1923-01", "1923-02"], ["stalin", "trotsky"]
    power = {arm: draw(rng, (4000, 2, 2)) for arm in ("attack", "factual")}  # type: ignore[operator]
    eid = store.begin_experiment("key", meta())
    for arm, values in power.items():
        for b, chunk in enumerate(np.array_split(values, 4)):
            store.write_batch(eid, arm, b, {"power_hist": histogram_rows(chunk, months, actors)})
    got = store.power_quantiles(eid)
    assert list(got.columns) == ["arm", "month", "actor", "q05", "q25", "q50", "q75", "q95"]
    assert len(got) == 8
    for row in got.itertuples(index=False):
        m, a = months.index(row.month), actors.index(row.actor)
        expected = np.quantile(power[row.arm][:, m, a], QS)
        assert np.abs(np.array(row[3:], dtype=float) - expected).max() <= 0.005


def test_quantiles_stay_inside_the_bin_of_the_sample_quantile() -> None:
    """Each quantile lies within one bin of numpy's inverted-CDF quantile, even for few runs."""
    rng = np.random.default_rng(3)
    for n in (1, 2, 3, 10, 57):
        x = rng.uniform(0, 1, n)
        counts = np.bincount(np.minimum((x * BINS).astype(int), BINS - 1), minlength=BINS)
        got = histogram_quantiles(counts[None, :], QS)[0]
        expected = np.quantile(x, QS, method="inverted_cdf")
        assert np.abs(got - expected).max() <= 1 / BINS, n


def test_an_empty_histogram_has_no_quantiles() -> None:
    """A group without counts gives NaN; a quantile outside [0, 1] raises StoreError."""
    assert np.isnan(histogram_quantiles(np.zeros((1, BINS), dtype=np.int64), QS)).all()
    with pytest.raises(StoreError, match=r"\[0, 1\]"):
        histogram_quantiles(np.ones((1, BINS), dtype=np.int64), (1.5,))


def test_power_quantiles_of_an_experiment_without_histograms(store: ResultsStore) -> None:
    """An experiment with no histograms yet gives an empty frame with the usual columns."""
    eid = store.begin_experiment("key", meta())
    got = store.power_quantiles(eid, qs=(0.1, 0.975))
    assert got.empty
    assert list(got.columns) == ["arm", "month", "actor", "q10", "q97.5"]


def test_quantile_names() -> None:
    """Quantile columns are named by percent: q05, q50, q97.5."""
    assert [quantile_name(q) for q in (0.05, 0.5, 0.975, 1.0)] == ["q05", "q50", "q97.5", "q100"]


def test_moments_merge_to_the_mean_and_sd() -> None:
    """Sums of n, x and x² over batches give numpy's mean and sd per month and axis."""
    rng = np.random.default_rng(4)
    line = rng.normal(size=(500, 3, 3))
    parts = [
        moments_rows(chunk, ["m0", "m1", "m2"], ["e", "i", "r"])
        for chunk in np.array_split(line, 3)
    ]
    g = pd.concat(parts).groupby(["month", "axis"])[["n", "sum", "sumsq"]].sum()
    mean = g["sum"] / g["n"]
    sd = np.sqrt(g["sumsq"] / g["n"] - mean**2)
    assert (g["n"] == 500).all()
    np.testing.assert_allclose(mean.to_numpy().reshape(3, 3), line.mean(axis=0))
    np.testing.assert_allclose(sd.to_numpy().reshape(3, 3), line.std(axis=0))
