"""Conditioning on history (abduction): "given the world as it stood in 1928, what if...".

Keep the runs whose course matches the record up to a month: every structural fact
(see ``structural``) whose window closes by then must have happened by then. Resample new run indices
until enough runs match. Their counterfactual twins share the same luck and, as long as
the intervention acts after that month, the same history up to it (Pearl's abduction,
then intervention).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from apparat.engine import Compiled, simulate
from apparat.engine.compiled import month_index
from apparat.engine.outcomes import History
from apparat.errors import InterventionError
from apparat.experiments.validation import check_record, occurs
from apparat.policies import ForcedChoice
from apparat.scenario.record import Fact, Record

MAX_TRIES = 50  # candidates examined per run wanted, before giving up


@dataclass(frozen=True)
class Conditioned:
    runs: NDArray[np.int64]  # the global indices of the runs that match
    tried: int  # how many runs were simulated to find them
    facts: list[str]  # the facts every kept run reproduces


def structural(f: Fact, c: Compiled) -> bool:
    """Facts about the state of the struggle: who has fallen, who lost which base (an
    office with votes, force, the press or the police; not one of patronage only), who
    stands with whom. Appointments of successors and censures are left out: they are
    details of how the world got there, not of how it stood. So are sanctions and
    readmissions of actors the scenario's rules never sanction (``targets: contenders``
    and a non-contender): no run can reproduce them, so requiring them keeps no run."""
    if f.kind == "office_gained":
        return False
    if f.kind == "office_lost" and f.office:
        # a base lost (votes, force, the press, the police), not a post of patronage only
        o = c.offices.index(f.office)
        base = c.delegates[o] + c.force[o] + c.press[o] + c.surveillance[o]
        return bool(base > 0)
    ranked = f.kind in ("sanction", "readmitted") and f.actor is not None
    if ranked and c.rules.targets == "contenders" and not c.contender[c.index(f.actor or "")]:
        return False
    if f.kind == "sanction":
        rep = c.sanctions
        return rep.out_executive[rep.index(f.level)] if f.level else False
    return True


def facts_until(c: Compiled, record: Record, until: str) -> list[Fact]:
    """The structural facts whose window has closed by ``until``."""
    limit = month_index(c.start, until)
    return [
        f
        for f in record.facts
        if structural(f, c) and month_index(c.start, f.date) + f.window <= limit
    ]


def matches(c: Compiled, h: History, facts: list[Fact]) -> NDArray[np.bool_]:
    """(R,): the runs in which every one of ``facts`` has happened by the last simulated
    month: the world stands as the record says, whatever the exact month each step came
    (the dating windows are for scoring, not for conditioning)."""
    ok = np.ones(h.power.shape[0], dtype=bool)
    for f in facts:
        hit = occurs(c, h, f).any(axis=1)
        if f.kind == "office_gained" and f.office and f.actor:
            hit |= h.holder[:, 0, c.offices.index(f.office)] == c.index(f.actor)
        ok &= hit
    return ok


def condition(
    c: Compiled,
    record: Record,
    until: str,
    wanted: int,
    seed: int,
    batch: int = 500,
    draw: Callable[[NDArray[np.int64]], dict[str, NDArray[np.float64]]] | None = None,
) -> Conditioned:
    """Find ``wanted`` runs matching the record up to ``until``, trying runs 0, 1, 2, ...
    (``draw`` gives each run its parameters, e.g. from a posterior)."""
    if not c.start <= until <= c.label(c.months - 1):
        raise InterventionError(
            f"--given-history-until {until} is outside the scenario "
            f"({c.start} to {c.label(c.months - 1)})"
        )
    check_record(c, record)
    facts = facts_until(c, record, until)
    policy = ForcedChoice(c.scenario, {})
    kept: list[NDArray[np.int64]] = []
    found, tried = 0, 0
    while found < wanted:
        if tried >= MAX_TRIES * wanted:
            raise InterventionError(
                f"only {found} of {tried} runs match the record up to {until} "
                f"(needed {wanted}); try an earlier month or fewer runs"
            )
        idx = np.arange(tried, tried + batch, dtype=np.int64)
        res = simulate(c, idx, seed, until, policy, False, draw(idx) if draw else None)
        ok = matches(c, res.history, facts)
        kept.append(idx[ok])
        found += int(ok.sum())
        tried += batch
    runs = np.concatenate(kept)[:wanted]
    return Conditioned(runs=runs, tried=int(runs[-1]) + 1, facts=[f.id for f in facts])
