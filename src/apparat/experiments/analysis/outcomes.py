"""The outcomes an analysis can study: one number per run, read from a batch's result.

Names are built from the scenario's roles, so any scenario has them:

``<contender>_dominant``
    1 if he is the consolidated leader in the last month (P(Stalin dominant in 1930));
``no_one_dominant``
    1 if no one is consolidated in the last month;
``<contender>_survives``
    1 if he sits in the executive, unsanctioned beyond censure, in the last month;
``<axis>_line_negative`` / ``<axis>_line_positive``
    1 if the governing line on the axis ends below / above 0 (``economy_line_negative``:
    the NEP kept, Bukharin's line);
``consolidation_month``
    months from the start to the final consolidation; a run with none counts as the
    first month after the period, so the number mixes "when" with "whether".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from apparat.engine import Compiled, SimulationResult
from apparat.errors import SimulationError

F = NDArray[np.float64]


@dataclass(frozen=True)
class Outcome:
    name: str
    label: str
    binary: bool  # a share of runs (0/1 per run) or a number


def outcomes(c: Compiled) -> dict[str, Outcome]:
    """Every outcome the scenario offers, by name."""
    end = c.label(c.months - 1)
    out: dict[str, Outcome] = {}
    for i in np.flatnonzero(c.contender):
        a, name = c.actors[i], c.names[i]
        out[f"{a}_dominant"] = Outcome(f"{a}_dominant", f"P({name} dominant in {end})", True)
    out["no_one_dominant"] = Outcome("no_one_dominant", f"P(no one dominant in {end})", True)
    for i in np.flatnonzero(c.contender):
        a, name = c.actors[i], c.names[i]
        out[f"{a}_survives"] = Outcome(
            f"{a}_survives", f"P({name} in the executive in {end})", True
        )
    for axis in c.axes:
        for side, word in (("negative", "below"), ("positive", "above")):
            out[f"{axis}_line_{side}"] = Outcome(
                f"{axis}_line_{side}", f"P(governing {axis} line {word} 0 in {end})", True
            )
    out["consolidation_month"] = Outcome(
        "consolidation_month", f"months to consolidation (none by {end}: {c.months})", False
    )
    return out


def check(c: Compiled, names: Sequence[str], binary: bool = False) -> list[Outcome]:
    """The named outcomes, refusing unknown names (and numbers, where a share is needed)."""
    known = outcomes(c)
    if not names:
        raise SimulationError("name at least one outcome; outcomes: " + ", ".join(known))
    chosen = []
    for name in names:
        if name not in known:
            raise SimulationError(
                f"unknown outcome {name!r} for {c.scenario.scenario.id}; outcomes: "
                + ", ".join(known)
            )
        if binary and not known[name].binary:
            raise SimulationError(
                f"outcome {name!r} is a number, not something that happens or not; "
                "scenario discovery needs one of: "
                + ", ".join(k for k, o in known.items() if o.binary)
            )
        chosen.append(known[name])
    return chosen


def default_outcomes(c: Compiled) -> list[str]:
    """The appointing office's first holder dominant, the month of consolidation, and each
    other contender's survival (the founder left out): for the bundled scenario,
    P(Stalin dominant), consolidation month, P(each rival survives in the Politburo)."""
    head = int(c.holder0[c.appoints])
    rivals = [c.actors[i] for i in np.flatnonzero(c.contender) if i != head and i != c.founder]
    first = [f"{c.actors[head]}_dominant"] if head >= 0 and c.contender[head] else []
    return [*first, "consolidation_month", *(f"{a}_survives" for a in rivals)]


def values(res: SimulationResult, names: Sequence[str]) -> F:
    """(runs, outcomes): each named outcome of each run of a batch."""
    c, h, o = res.compiled, res.history, res.outcomes
    last = res.months - 1
    cols = []
    for name in names:
        head, _, tail = name.rpartition("_")
        if name == "no_one_dominant":
            col = o.dominant_end < 0
        elif name == "consolidation_month":
            col = np.where(o.consolidation_month >= 0, o.consolidation_month, res.months)
        elif tail == "dominant":
            col = o.dominant_end == c.index(head)
        elif tail == "survives":
            i = c.index(head)
            col = h.executive[:, last, i] & ~c.sanctions.out_executive[h.sanction[:, last, i]]
        else:
            axis, _, side = name.partition("_line_")
            line = h.line[:, last, c.axis[axis]]
            col = line < 0 if side == "negative" else line > 0
        cols.append(np.asarray(col, dtype=np.float64))
    return np.column_stack(cols)
