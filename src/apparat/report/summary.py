"""A run's end state as plain dataclasses: offices, blocs, fates, who rules.

Built once from a result, so every view (a terminal table, a JSON document, later a
web page) reads the same object and none can disagree with another.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from apparat.engine import SimulationResult
from apparat.scenario.models import Scenario


@dataclass(frozen=True)
class OfficeHolder:
    """Who holds an office at the end; ``holder`` is None for a vacancy."""

    office: str
    name: str
    holder: str | None
    holder_name: str


@dataclass(frozen=True)
class Bloc:
    """Actors following one leader; power_share is the members' summed share."""

    leader: str
    members: list[str]
    names: list[str]
    ruling: bool
    power_share: float


@dataclass(frozen=True)
class ContenderFate:
    """Where a contender ended: power, the harshest sanction, in or out of the executive."""

    actor: str
    name: str
    power_share: float
    sanction: str
    died: bool
    in_executive: bool
    out_of_executive_since: str | None


@dataclass(frozen=True)
class RunSummary:
    """One run at its last month; the Rich tables and the JSON summary both read this."""

    end: str
    offices: list[OfficeHolder]
    blocs: list[Bloc]
    unaligned: list[str]
    contenders: list[ContenderFate]
    dominant: str | None
    dominant_since: str | None
    strongest: str
    choices: dict[str, str | None]


def summarise_run(res: SimulationResult, row: int = 0) -> RunSummary:
    """The state of one run at its last month: offices, blocs, fates, who rules."""
    c, h, o = res.compiled, res.history, res.outcomes
    last = res.months - 1
    holders = [int(w) for w in h.holder[row, last]]
    dom = int(o.dominant_end[row])
    cons = int(o.consolidation_month[row])
    return RunSummary(
        end=c.label(last),
        offices=[
            OfficeHolder(
                office, name, c.actors[w] if w >= 0 else None, c.names[w] if w >= 0 else "vacant"
            )
            for office, name, w in zip(c.offices, c.office_names, holders, strict=True)
        ],
        blocs=_blocs(res, row),
        unaligned=[
            c.actors[i]
            for i in range(len(c.actors))
            if h.bloc[row, last, i] < 0 and not h.ruling[row, last, i] and not o.died[row, i]
        ],
        contenders=sorted(_fates(res, row), key=lambda f: -f.power_share),
        dominant=c.actors[dom] if dom >= 0 else None,
        dominant_since=c.label(cons) if dom >= 0 and cons >= 0 else None,
        strongest=c.actors[int(o.strongest_end[row])],
        choices={
            d: (_option_id(c.scenario, d, int(k[row])) if k[row] >= 0 else None)
            for d, k in o.choices.items()
        },
    )


def _option_id(s: Scenario, decision: str, k: int) -> str:
    """The engine records option indices; people and JSON readers want the option's id."""
    return next(d for d in s.decisions if d.id == decision).options[k].id


def _blocs(res: SimulationResult, row: int) -> list[Bloc]:
    """Group actors by bloc leader; the bloc holding a ruling member is the ruling one."""
    c, h = res.compiled, res.history
    last = res.months - 1
    bloc, ruling, power = h.bloc[row, last], h.ruling[row, last], h.power[row, last]
    out = []
    for leader in sorted({int(b) for b in bloc if b >= 0}):
        members = [i for i in range(len(c.actors)) if bloc[i] == leader]
        out.append(
            Bloc(
                leader=c.actors[leader],
                members=[c.actors[i] for i in members],
                names=[c.names[i] for i in members],
                ruling=bool(ruling[members].any()),
                power_share=round(float(power[members].sum()), 4),
            )
        )
    return sorted(out, key=lambda b: (not b.ruling, -b.power_share))


def _fates(res: SimulationResult, row: int) -> Iterator[ContenderFate]:
    """Only contenders: the question a run answers is which of them is left standing."""
    c, h, o = res.compiled, res.history, res.outcomes
    last = res.months - 1
    for i in np.flatnonzero(c.contender):
        defeat = int(o.defeat_month[row, i])
        yield ContenderFate(
            actor=c.actors[i],
            name=c.names[i],
            power_share=round(float(h.power[row, last, i]), 4),
            sanction=c.sanctions.names[int(o.final_sanction[row, i])],
            died=bool(o.died[row, i]),
            in_executive=bool(h.executive[row, last, i]),
            out_of_executive_since=c.label(defeat) if defeat >= 0 else None,
        )
