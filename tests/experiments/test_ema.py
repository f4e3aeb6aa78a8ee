"""apparat as an EMA Workbench model: its uncertainties are simulate()'s factors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import apparat
from apparat.errors import InterventionError
from apparat.experiments.analysis.deps import ema_quiet

DOCS = Path(__file__).parents[2] / "docs" / "analysis.md"


@pytest.fixture(scope="module", autouse=True)
def ema() -> None:
    """EMA Workbench is an optional extra; imported quietly (its own import notices)."""
    with ema_quiet():
        pytest.importorskip("ema_workbench")


def test_the_docs_example_runs_in_perform_experiments() -> None:
    """The snippet in docs/analysis.md, as written, gives a share per experiment."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(r"<!-- ema-example -->\n```python\n(.*?)```", text, re.S)
    assert found, "docs/analysis.md lost its EMA Workbench example"
    namespace: dict[str, object] = {}
    with ema_quiet():
        exec(compile(found.group(1), str(DOCS), "exec"), namespace)
    experiments, outcomes = namespace["experiments"], namespace["outcomes"]
    assert len(experiments) == 4  # type: ignore[arg-type]
    assert {"stalin__organisation", "trotsky__ambition"} <= set(experiments.columns)  # type: ignore[attr-defined]
    shares = outcomes["dominant_stalin"] + outcomes["no_one_dominant"]  # type: ignore[index]
    assert ((shares >= 0) & (shares <= 1 + 1e-9)).all()


def test_an_experiment_is_a_batch_of_simulate_with_those_factors() -> None:
    """The model's outcome for given values is simulate(factors=...)'s share, same seed."""
    from apparat.experiments.ema import ema_model

    model = ema_model(["stalin.organisation"], runs=8, seed=3)
    (u,) = model.uncertainties
    assert (u.name, u.lower_bound, u.upper_bound) == ("stalin__organisation", 0.0, 1.0)
    out = model.function(stalin__organisation=0.4)
    res = apparat.simulate(
        runs=8, seed=3, chronicle=False, factors={"stalin.organisation": np.full(8, 0.4)}
    )
    stalin = res.compiled.index("stalin")
    assert out["dominant_stalin"] == np.mean(res.outcomes.dominant_end == stalin)
    assert out["no_one_dominant"] == np.mean(res.outcomes.dominant_end < 0)
    assert {o.name for o in model.outcomes} == set(out)


def test_an_unknown_uncertainty_fails_at_once() -> None:
    from apparat.experiments.ema import ema_model

    with pytest.raises(InterventionError, match=r"stalin\.charm"):
        ema_model({"stalin.charm": (0.0, 1.0)})
