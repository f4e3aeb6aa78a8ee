"""Results a pandas or xarray user can read: actor ids and 'YYYY-MM', not codes; a
short repr; one default seed; an Experiment that writes nothing unless asked."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import apparat
from apparat.cli.app import run_command
from apparat.engine import SimulationResult

MONTH = re.compile(r"^\d{4}-\d{2}$")


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return apparat.simulate("bolshevik_1923", runs=6, seed=1, chronicle=False)


def test_outcomes_frame_names_actors_and_months(result: SimulationResult) -> None:
    """One row per run with actor ids and 'YYYY-MM' months, where the raw arrays hold
    integer codes and month offsets."""
    df = result.outcomes_frame()
    c, o = result.compiled, result.outcomes
    assert isinstance(df, pd.DataFrame)
    assert list(df.index) == list(o.runs)
    assert df.index.name == "run"
    assert set(df.dominant_end.dropna()) <= set(c.actors)
    assert set(df.strongest_end) <= set(c.actors)
    for row, code in enumerate(o.dominant_end):
        assert df.dominant_end.iloc[row] == (c.actors[code] if code >= 0 else None)
    months = df.consolidation_month.dropna()
    assert len(months)
    assert all(MONTH.match(m) for m in months)
    first = int(np.flatnonzero(o.consolidation_month >= 0)[0])
    assert df.consolidation_month.iloc[first] == c.label(int(o.consolidation_month[first]))
    picks = o.choices["trotsky.xii_congress"]
    assert list(df["trotsky.xii_congress"]) == [["attack", "truce"][k] for k in picks]
    actors = result.actor_frame()
    assert actors.index.names == ["run", "actor"]
    assert set(actors.loc[0].index) == set(c.actors)
    assert set(actors.final_sanction) <= set(c.sanctions.names)


def test_to_xarray_is_labelled_by_run_month_actor(result: SimulationResult) -> None:
    """The monthly record as a Dataset whose coordinates are actor ids and months."""
    pytest.importorskip("xarray")
    ds = result.to_xarray()
    c, h = result.compiled, result.history
    assert ds.power.dims == ("run", "month", "actor")
    assert ds.holder.dims == ("run", "month", "office")
    assert list(ds.actor.values) == c.actors
    assert list(ds.month.values[[0, -1]]) == [c.label(0), c.label(result.months - 1)]
    jan_1925 = ds.power.sel(actor="stalin", month="1925-01").values
    assert np.array_equal(jan_1925, h.power[:, 25, c.index("stalin")])
    assert np.array_equal(
        ds.power.sel(actor="stalin").values, h.power[:, : result.months, c.index("stalin")]
    )
    assert set(np.unique(ds.dominant.values)) <= {*c.actors, ""}
    assert set(np.unique(ds.sanction.values)) <= set(c.sanctions.names)
    assert ds.attrs["scenario"] == "bolshevik_1923"
    assert ds.attrs["seed"] == 1


def test_raw_arrays_stay_for_speed(result: SimulationResult) -> None:
    """Existing callers keep the integer codes."""
    assert result.outcomes.dominant_end.dtype == np.int64
    assert result.history.power.shape[0] == 6


def test_repr_is_one_short_line(result: SimulationResult) -> None:
    """Not the 200,000 characters of every array: what was run, and who won how often."""
    text = repr(result)
    assert len(text) < 300
    assert "\n" not in text
    assert "bolshevik_1923" in text
    assert "6 runs" in text
    assert "seed 1" in text
    assert "1922-12 to 1930-12" in text
    assert "dominant at the end:" in text
    assert re.search(r"(stalin|no one) \d+%", text)


def test_python_and_command_line_share_one_default_seed() -> None:
    """apparat.simulate(), Experiment and `apparat run` all default to seed 1."""
    seed = inspect.signature(run_command).parameters["seed"].default
    assert seed == 1
    assert inspect.signature(apparat.simulate).parameters["seed"].default == seed
    assert inspect.signature(apparat.Experiment).parameters["seed"].default == seed
    a = apparat.simulate(runs=3, chronicle=False, until="1924-06")
    b = apparat.simulate(runs=3, seed=1, chronicle=False, until="1924-06")
    assert np.array_equal(a.history.power, b.history.power)


def test_experiment_writes_nothing_unless_given_a_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No apparat_results.duckdb appears in the working folder, nor is one reused."""
    monkeypatch.chdir(tmp_path)
    exp = apparat.Experiment(runs=2, chronicles=0).run()
    assert exp.store is None
    assert exp.experiment_id_ is None
    assert list(tmp_path.iterdir()) == []
    assert len(exp.outcomes_) == 2
    stored = apparat.Experiment(runs=2, chronicles=0, store=tmp_path / "s.duckdb").run()
    assert stored.experiment_id_ is not None
    assert (tmp_path / "s.duckdb").exists()


def test_the_readme_snippet_shows_labelled_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's Python snippet runs (a small experiment, no store) and what it shows
    as output is what it prints: the repr and the labelled outcomes."""
    pytest.importorskip("xarray")
    text = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(import apparat\n.*?)```", text, re.S)
    assert code, "README.md lost its Python snippet"
    source = code.group(1).replace("runs=1000", "runs=4")
    source = source.replace('store="apparat_results.duckdb"', "store=None")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(source, "README.md", "exec"), namespace)
    result = namespace["result"]
    assert isinstance(result, SimulationResult)
    shown = re.search(r"^result\n((?:# .*\n)+)", source, re.M)
    assert shown
    assert " ".join(line[2:].strip() for line in shown.group(1).splitlines()) == repr(result)
    table = re.search(r"\.head\(3\)\n((?:# .*\n)+)", source)
    assert table
    head = result.outcomes_frame()[["dominant_end", "consolidation_month"]].head(3)
    assert [line[2:].rstrip() for line in table.group(1).splitlines()] == [
        line.rstrip() for line in str(head).splitlines()
    ]
