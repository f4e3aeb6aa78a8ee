"""`apparat analyze`: each command runs a tiny design, prints its tables, stores the
results and saves plots."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from apparat.cli import app
from apparat.experiments.analysis.deps import ema_quiet

pytest.importorskip("SALib")
runner = CliRunner()
FEW = ["-f", "delegate_control", "-f", "stalin.prestige"]


def invoke(*args: str) -> str:
    result = runner.invoke(app, ["analyze", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_sensitivity_prints_indices_stores_them_and_plots(tmp_path: Path) -> None:
    """`analyze sensitivity` prints S1 and ST per factor with intervals, one overview
    table per outcome, saves a plot per outcome and an analysis in the store."""
    store, plots = tmp_path / "r.duckdb", tmp_path / "plots"
    out = invoke(
        "sensitivity", "--samples", "4", *FEW, "-o", "stalin_dominant", "-o", "trotsky_survives",
        "--store", str(store), "--plots", str(plots),
    )  # fmt: skip
    assert "delegate_control" in out
    assert "ST for every outcome" in out
    assert "Stored as analysis" in out
    assert sorted(p.name for p in plots.iterdir()) == [
        "sobol_stalin_dominant.png",
        "sobol_trotsky_survives.png",
    ]
    listed = invoke("list", "--store", str(store))
    assert "sensitivity" in listed
    analysis_id = out.split("Stored as analysis ")[1].split()[0]
    shown = invoke("show", analysis_id[:5], "--store", str(store))
    assert "analysis_indices" in shown


def test_morris_screening_runs(tmp_path: Path) -> None:
    """`--method morris` prints mu* and sigma."""
    out = invoke("sensitivity", "--method", "morris", "--samples", "3", *FEW, "--no-store")
    assert "mu_star" in out


def test_decompose_prints_the_answer(tmp_path: Path) -> None:
    """`analyze decompose` prints the table of parts and the answer in words."""
    out = invoke(
        "decompose", "--samples", "4", "-o", "no_one_dominant", "--no-store",
        "--plots", str(tmp_path),
    )  # fmt: skip
    assert "structure" in out
    assert "agency" in out
    assert "chance" in out
    assert "interaction" in out
    assert (tmp_path / "decomposition_no_one_dominant.png").is_file()


def test_decompose_with_fixed_structure_splits_choice_from_chance() -> None:
    """`--fixed-structure` holds structure at the scenario's values."""
    out = invoke(
        "decompose", "--samples", "2", "--fixed-structure", "--no-store", "-o", "stalin_dominant"
    )
    assert "agency" in out
    assert "structure" not in out


def test_discover_prints_boxes_and_plots(tmp_path: Path) -> None:
    """`analyze discover` prints the base rate and a box with coverage and density."""
    with ema_quiet():
        pytest.importorskip("ema_workbench")
    out = invoke(
        "discover", "-o", "stalin_dominant", "--samples", "60", *FEW, "--no-store",
        "--plots", str(tmp_path),
    )  # fmt: skip
    assert "PRIM box 0: coverage" in out
    assert any(p.name.endswith("_tradeoff.png") for p in tmp_path.iterdir())


def test_outcomes_lists_what_can_be_analysed() -> None:
    """`analyze outcomes` lists every outcome and marks the defaults."""
    out = invoke("outcomes")
    assert "stalin_dominant *" in out
    assert "economy_line_negative" in out


def test_a_bad_outcome_is_a_red_message() -> None:
    """An unknown outcome exits 2 with the list of valid outcomes, not a traceback."""
    result = runner.invoke(app, ["analyze", "sensitivity", "-o", "stalin_wins", "--no-store"])
    assert result.exit_code == 2
    assert "unknown outcome 'stalin_wins'" in result.output
