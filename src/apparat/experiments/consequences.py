"""S1's question with numbers: the consequences 1928-1941 in the runs each leader wins.

Each arm (the factual world, or a preset's changed antecedent) is simulated politically;
each run's own line and winner then drive the consequences model with the run's own
weather and parameter draws (keyed by seed and run index, so the arms are paired). The
winner is what the political simulation produced, never imposed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from apparat.economy import Consequences, EconomyData, consequences, load_economy
from apparat.economy.data import ECONOMY_DIR, load_economy_dir
from apparat.economy.model import programme_lines, simulate_economy
from apparat.economy.summary import arms_table, by_group, line_groups
from apparat.economy.tables import empty_rows, from_rows, to_rows
from apparat.engine import SimulationResult, compile_scenario, simulate
from apparat.errors import EconomyError
from apparat.experiments.interventions import Intervention, apply
from apparat.experiments.presets import load_presets
from apparat.policies import ForcedChoice
from apparat.scenario import Scenario, load_scenario
from apparat.scenario.loader import bundled_root, resolve_path

FACTUAL = "factual"
LINE_PREFIX = "line:"  # the arm of an imposed line: the consequences model only
NO_DATA = (
    "no consequences: scenario {id} has no economy/ data (consequences 1928-1941 are "
    "modelled for scenarios that ship economy/model.yaml)"
)


def arm_consequences(
    arms: dict[str, Sequence[Intervention]],
    runs: int = 1000,
    seed: int = 1,
    scenario: str = "bolshevik_1923",
) -> dict[str, Consequences]:
    """Simulate each arm's politics on runs 0..runs-1 and return its consequences."""
    s = load_scenario(scenario)
    data = load_economy(scenario)
    out = {}
    for arm, ivs in arms.items():
        applied = apply(s, list(ivs))
        c = compile_scenario(applied.scenario, applied.params)
        res = simulate(c, runs, seed, None, ForcedChoice(applied.scenario, applied.forced), False)
        out[arm] = consequences(res, data)
    return out


def preset_arms(
    names: Sequence[str] | None = None, scenario: str = "bolshevik_1923"
) -> dict[str, list[Intervention]]:
    """The factual arm and the named presets (all of them by default), as arms.

    A preset's ``given_history_until`` (conditioning on the record) is not applied here:
    every run counts, so the arms stay paired run by run.
    """
    presets = load_presets(scenario)
    chosen = list(presets) if names is None else list(names)
    return {FACTUAL: [], **{n: list(presets[n].interventions) for n in chosen}}


def s1_answer(arms: dict[str, Consequences], leaders: Sequence[str] | None = None) -> pd.DataFrame:
    """The headline outcomes by 1941 in the runs each leader holds power at the end,
    pooled over the arms given (each run's winner from its own simulation). ``leaders``:
    the actors to show by name (S1 asks of Trotsky and Bukharin); by default everyone
    who ends dominant in some run, most often first. The scenario's data decide, not a
    list of one regime's names in code."""
    pooled = pool(arms)
    if leaders is None:
        won = Counter(d for d in (pooled.dominant or []) if d is not None)
        leaders = [d for d, _ in won.most_common()]
    labels = [
        "no one" if d is None else d if d in leaders else "someone else"
        for d in (pooled.dominant or [])
    ]
    return by_group(pooled, labels, [*leaders, "someone else", "no one"]).rename(
        columns={"group": "dominant"}
    )


def by_line(arms: dict[str, Consequences]) -> pd.DataFrame:
    """The headline outcomes by the economic line the runs end with (left, centre,
    right), pooled over the arms: the line, not the man, as the political simulation
    produced it."""
    pooled = pool(arms)
    return by_group(pooled, line_groups(pooled), ["left line", "centre line", "right line"])


def pool(arms: dict[str, Consequences]) -> Consequences:
    """The runs of several arms as one batch (for tables by winner or by line)."""
    first = next(iter(arms.values()))
    values = {k: np.concatenate([a.values[k] for a in arms.values()]) for k in first.values}
    dominant: list[str | None] = []
    for a in arms.values():
        dominant += list(a.dominant or [None] * a.runs.size)
    runs = np.concatenate([a.runs for a in arms.values()])
    return Consequences(first.years, runs, values, {}, dominant)


def arms_summary(arms: dict[str, Consequences], base: str = FACTUAL) -> pd.DataFrame:
    """Per arm the headline outcomes with intervals, and paired differences from ``base``."""
    return arms_table(arms, base if base in arms else None)


# ------------------------------------------------------------------ experiments


def economy_for(scenario: str | Path | Scenario) -> EconomyData | None:
    """The consequences data of an experiment's scenario: its folder's ``economy/``
    (a bundled scenario by name or id, or a folder given by path); None where it has
    none, or where its period ends before the December the model's first year needs.
    Data that are there but malformed are refused (EconomyError, with file and line)."""
    if isinstance(scenario, Scenario):
        folder = bundled_root() / scenario.scenario.id
        end = scenario.scenario.end
    else:
        folder = resolve_path(scenario)
        end = load_scenario(scenario).scenario.end
    home = folder / ECONOMY_DIR if folder.is_dir() else None
    if home is None or not home.is_dir():
        return None
    data = load_economy_dir(home)
    return data if int(end[:4]) >= data.first_year - 1 else None


def consequence_rows(res: SimulationResult, data: EconomyData | None) -> pd.DataFrame:
    """A batch's consequences as store rows (run, year, series, value): each run's own
    line and its own weather and parameter draws, keyed by seed and global run index."""
    if data is None:
        return empty_rows()
    return to_rows(consequences(res, data))


def line_rows(data: EconomyData, programme: str, seed: int, runs: Sequence[int]) -> pd.DataFrame:
    """The consequences of a line imposed on runs ``runs`` (the programme of
    ``economy/model.yaml``): the same weather and parameter draws as the political arms'
    runs of the same index, so the arms pair; no politics is simulated."""
    idx = np.asarray(runs, dtype=np.int64)
    lines = programme_lines(data, programme, idx.size)
    return to_rows(simulate_economy(data, lines, seed, idx))


def check_lines(data: EconomyData | None, lines: Sequence[str], scenario: str) -> None:
    """Refuse an imposed line the scenario's consequences data do not name."""
    if not lines:
        return
    if data is None:
        raise EconomyError(NO_DATA.format(id=scenario) + "; --line needs them")
    for line in lines:
        if line not in data.programmes:
            known = ", ".join(data.programmes)
            raise EconomyError(f"unknown line {line!r}; lines of {scenario}: {known}")


def arms_from_rows(rows: pd.DataFrame, arms: Sequence[str]) -> dict[str, Consequences]:
    """Each arm's consequences from a stored or pooled table, in the order given
    (arms without rows are left out)."""
    out = {}
    for arm in arms:
        part = rows[rows["arm"] == arm]
        if not part.empty:
            out[arm] = from_rows(part)
    return out


def experiment_summary(
    rows: pd.DataFrame, arms: Sequence[str], base: str = FACTUAL
) -> pd.DataFrame:
    """Per arm the headline outcomes (median, 5-95 % band), and the paired difference
    from ``base`` run by run; empty where the experiment has no consequences."""
    found = arms_from_rows(rows, arms) if not rows.empty else {}
    if not found:
        return pd.DataFrame(
            columns=["arm", "outcome", "runs", "median", "low", "high", "diff_median",
                     "diff_low", "diff_high"]
        )  # fmt: skip
    return arms_table(found, base if base in found else None)
