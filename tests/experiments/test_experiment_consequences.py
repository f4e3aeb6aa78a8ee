"""Every experiment reports the consequences 1928-1941 per arm, paired by run, and
stores them; imposed lines come on the same runs; a scenario without data is noted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from apparat.economy import load_economy, programme_lines, simulate_economy
from apparat.economy.summary import headline
from apparat.errors import EconomyError
from apparat.experiments.consequences import arms_from_rows
from apparat.experiments.experiment import Experiment
from apparat.store import ResultsStore

RUNS = 12


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Experiment, Path]:
    """A tiny stored experiment: factual, an arm that changes nothing, an imposed line."""
    path = tmp_path_factory.mktemp("cons") / "c.duckdb"
    exp = Experiment(
        runs=RUNS, seed=3, arms={"same": []}, lines=["nep_continued"], store=path,
        batch_size=5, chronicles=0,
    ).run()  # fmt: skip
    return exp, path


def test_identical_arms_differ_by_exactly_zero(stored: tuple[Experiment, Path]) -> None:
    """An arm without interventions has the factual consequences run for run."""
    exp, _ = stored
    s = exp.consequences_summary_
    same = s[s["arm"] == "same"]
    assert len(same) == len(headline(arms_from_rows(exp.consequences_, ["factual"])["factual"]))
    assert (same[["diff_median", "diff_low", "diff_high"]].to_numpy() == 0).all()
    assert (s[s["arm"] == "factual"]["diff_median"].isna()).all()


def test_an_imposed_line_runs_on_the_factual_runs_weather(
    stored: tuple[Experiment, Path],
) -> None:
    """The line arm equals the consequences model under that line on the same run
    indices and seed (so it pairs with the political arms), and it differs from them."""
    exp, _ = stored
    data = load_economy()
    want = simulate_economy(data, programme_lines(data, "nep_continued", RUNS), 3)
    got = arms_from_rows(exp.consequences_, ["line:nep_continued", "factual"])
    np.testing.assert_allclose(
        got["line:nep_continued"].values["industrial_output"], want.values["industrial_output"]
    )
    s = exp.consequences_summary_
    line = s[(s["arm"] == "line:nep_continued") & (s["outcome"] == "repression_1941")]
    assert float(line["diff_median"].iloc[0]) != 0.0


def test_the_store_keeps_the_consequences_of_every_batch(
    stored: tuple[Experiment, Path],
) -> None:
    """Batches of 5 runs write every run's rows; read back they equal the in-memory run
    of the same experiment in one batch."""
    exp, path = stored
    with ResultsStore(path, read_only=True) as st:
        rows = st.table(str(exp.experiment_id_), "consequences")
    assert set(rows["arm"]) == {"factual", "same", "line:nep_continued"}
    assert rows.groupby("arm")["run"].nunique().eq(RUNS).all()
    memory = Experiment(
        runs=RUNS, seed=3, arms={"same": []}, lines=["nep_continued"], chronicles=0
    ).run()
    a = arms_from_rows(rows, ["factual"])["factual"]
    b = arms_from_rows(memory.consequences_, ["factual"])["factual"]
    np.testing.assert_allclose(a.values["consumption_per_head"], b.values["consumption_per_head"])


def test_a_scenario_without_economy_data_is_noted_not_failed() -> None:
    """china_1976 has no economy/: no rows, a note that says why."""
    exp = Experiment("china_1976", runs=3, seed=1, chronicles=0).run()
    assert exp.consequences_.empty
    assert exp.consequences_summary_.empty
    assert exp.consequences_note_ is not None
    assert "china_1976" in exp.consequences_note_


def test_an_unknown_line_is_refused_with_the_known_ones() -> None:
    """--line with a name model.yaml does not have is refused before any simulation."""
    with pytest.raises(EconomyError, match=r"unknown line 'kulak_paradise'.*nep_continued"):
        Experiment(runs=2, lines=["kulak_paradise"]).plan()
