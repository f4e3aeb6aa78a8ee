"""apparat as an EMA Workbench model, for users who explore with ``perform_experiments``.

Each EMA experiment is one batch of ``runs`` runs with the experiment's values of the
uncertainties (a scenario parameter, an actor's trait or initial line: the targets of
``simulate(factors=...)``). Every experiment uses the same seed, so the runs of two
experiments differ by the uncertainties, not by luck. The outcomes are the share of
the runs in which each contender is dominant at the end, and the share with no one.

EMA Workbench is optional (``pip install 'apparat[analysis]'``) and imported only here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from apparat.engine import compile_scenario
from apparat.engine import simulate as run_batch
from apparat.engine.factors import resolve
from apparat.experiments.analysis.deps import _need, ema_quiet
from apparat.policies import ForcedChoice
from apparat.scenario import Scenario, load_scenario

NO_ONE = "no_one_dominant"


def ema_name(target: str) -> str:
    """EMA Workbench wants Python identifiers: 'stalin.organisation' is
    'stalin__organisation'."""
    return target.replace(".", "__")


def ema_model(
    uncertainties: Mapping[str, tuple[float, float]] | Sequence[str],
    scenario: str | Path | Scenario = "bolshevik_1923",
    runs: int = 100,
    seed: int = 1,
    do: dict[str, str] | None = None,
    name: str = "apparat",
) -> Any:
    """An ``ema_workbench.Model`` that simulates ``runs`` runs per experiment.

    ``uncertainties`` are factor targets ('stalin.organisation', 'purge_threshold',
    'trotsky.economy') with their (low, high) ranges, or a list of targets to vary over
    their whole declared range. ``do`` forces decisions in every run, as in simulate().
    The outcomes are ``dominant_<actor>`` for each contender and ``no_one_dominant``:
    shares of the runs, 0..1.
    """
    with ema_quiet():
        ema = _need("ema_workbench", "ema_workbench", "the EMA Workbench model")
    s = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    c = compile_scenario(s)  # compiled once, shared by every experiment
    policy = ForcedChoice(s, do or {})
    if isinstance(uncertainties, Mapping):
        ranges = {t: (float(lo), float(hi)) for t, (lo, hi) in uncertainties.items()}
    else:
        ranges = {t: (resolve(c, t).low, resolve(c, t).high) for t in uncertainties}
    for target in ranges:
        resolve(c, target)  # an unknown target fails here, not in the first experiment
    targets = {ema_name(t): t for t in ranges}
    contenders = [a for a, k in zip(c.actors, c.contender, strict=True) if k]

    def experiment(**values: float) -> dict[str, float]:
        factors = {targets[k]: np.full(runs, float(v)) for k, v in values.items() if k in targets}
        ends = run_batch(c, runs, seed, None, policy, False, factors).outcomes.dominant_end
        out = {f"dominant_{a}": float(np.mean(ends == c.index(a))) for a in contenders}
        out[NO_ONE] = float(np.mean(ends < 0))
        return out

    model = ema.Model(name, function=experiment)
    model.uncertainties = [ema.RealParameter(ema_name(t), lo, hi) for t, (lo, hi) in ranges.items()]
    model.outcomes = [ema.ScalarOutcome(f"dominant_{a}") for a in contenders] + [
        ema.ScalarOutcome(NO_ONE)
    ]
    return model
