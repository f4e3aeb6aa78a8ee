"""The step loop: one month at a time, the same code for one run or ten thousand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from apparat.engine import beliefs, labels, recantation
from apparat.engine.chronicle import Chronicle, Entry
from apparat.engine.compiled import Compiled, compile_scenario, month_index
from apparat.engine.context import Context, on_rows
from apparat.engine.decisions import Behavioural, Policy, take
from apparat.engine.events import apply as apply_events
from apparat.engine.factors import apply as apply_factors
from apparat.engine.mechanisms import (
    circular_flow,
    coalitions,
    contests,
    opposition,
    policy,
    prestige,
    rehabilitation,
    rivalry,
)
from apparat.engine.mechanisms.power import compute_power
from apparat.engine.outcomes import History, Outcomes, dominance, summarise
from apparat.engine.random import SeedLike, Streams, normalize_seed
from apparat.engine.state import initial_state
from apparat.errors import SimulationError
from apparat.scenario.models import Scenario

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

I = NDArray[np.int64]


@dataclass(repr=False)
class SimulationResult:
    """A batch of runs. ``history`` and ``outcomes`` hold the raw arrays of integer
    codes (fast, for code that loops over many batches); ``to_xarray()``,
    ``outcomes_frame()`` and ``actor_frame()`` give the same results labelled with
    actor ids and 'YYYY-MM' months."""

    compiled: Compiled
    seed: int
    months: int
    history: History
    outcomes: Outcomes
    chronicle: list[Entry]

    def label(self, month: int) -> str:
        return self.compiled.label(month)

    def __repr__(self) -> str:
        return labels.describe(self)  # the arrays would run to megabytes of text

    def summary(self) -> str:
        """Who is dominant at the end in what share of the runs, in one line."""
        return labels.summary(self)

    def to_xarray(self) -> xr.Dataset:
        """The monthly record as an xarray Dataset, dims (run, month, actor, office,
        axis), labelled with actor ids and 'YYYY-MM' months."""
        return labels.to_xarray(self)

    def outcomes_frame(self) -> pd.DataFrame:
        """A pandas DataFrame, one row per run: the leader at the end, the month of
        consolidation, the options chosen; actor ids and 'YYYY-MM', not codes."""
        return labels.outcomes_frame(self)

    def actor_frame(self) -> pd.DataFrame:
        """A pandas DataFrame, one row per run and actor: defeat month, final
        sanction, death."""
        return labels.actor_frame(self)


def simulate(
    scenario: Scenario | Compiled,
    runs: int | I = 1,
    seed: SeedLike = 1,
    until: str | None = None,
    policy_: Policy | None = None,
    chronicle: bool | int | list[int] = True,
    factors: Mapping[str, ArrayLike] | None = None,
) -> SimulationResult:
    """Run a batch of runs of ``scenario`` month by month.

    ``runs`` is a count (runs 0..n-1) or the global indices of the runs, which fix each
    run's luck whatever batch it is in (an index may repeat: the same luck twice).
    ``chronicle`` says which runs to narrate: True for all (sensible for a handful), a
    count, or a list of global run indices. ``factors`` gives each row its own value of
    a parameter, trait or initial line (see :mod:`apparat.engine.factors`).
    """
    c = scenario if isinstance(scenario, Compiled) else compile_scenario(scenario)
    idx = (
        np.arange(runs, dtype=np.int64)
        if isinstance(runs, int | np.integer)
        else np.asarray(runs, np.int64)
    )
    if idx.size == 0:
        raise SimulationError("runs must be at least 1")
    months = c.months if until is None else month_index(c.start, until) + 1
    if not 1 <= months <= c.months:
        raise SimulationError(
            f"--until {until} is outside the scenario ({c.start} to {c.label(c.months - 1)})"
        )
    seed_n = normalize_seed(seed)
    if chronicle is True:
        tracked = np.ones(idx.size, dtype=bool)
    elif chronicle is False:
        tracked = np.zeros(idx.size, dtype=bool)
    elif isinstance(chronicle, int):
        tracked = np.arange(idx.size) < chronicle
    else:
        tracked = np.isin(idx, chronicle)
    st = initial_state(c, idx.size)
    if factors:
        apply_factors(c, st, factors)
    ctx = Context(c=c, st=st, rng=Streams(seed_n, idx), log=Chronicle(idx, tracked))
    beliefs.start(ctx)
    pol = policy_ or Behavioural()
    hist = History.empty(idx.size, months, len(c.actors), len(c.offices), len(c.axes))
    choices: dict[str, I] = {}
    for m in range(months):
        st.month = m
        meetings = apply_events(ctx, c.events.get(m, []))
        deaths = any(e.kind in ("death", "incapacitation") for e in c.events.get(m, []))
        # power last changed at the end of the previous month, unless an event or a new
        # cohort has changed its inputs since
        if m == 0 or c.events.get(m) or (c.cohort_joins == m).any():
            st.power = compute_power(c, st, m)
        lapsed = coalitions.lapse_pacts(ctx)
        if m == 0 or meetings or deaths:
            coalitions.form(ctx)
        else:
            coalitions.form(ctx, st.rebuffed | lapsed)
        for slot, d in enumerate(c.decisions.get(m, [])):
            choice, changed = take(ctx, d, pol, slot)
            choices[d.id] = ctx.choices[d.id] = choice
            if changed.any():
                st.power = compute_power(c, st, m)
                coalitions.form(ctx, changed)
                on_rows(ctx, changed, circular_flow.fill_offices)  # only where it changed
        circular_flow.monthly(ctx)
        st.power = compute_power(c, st, m)
        contests.meeting(ctx, "force")  # where the rules let force strike without a vote
        contests.meeting(ctx, "executive")
        for ev in meetings:
            contests.meeting(ctx, ev.kind, ev.id)
            rehabilitation.session(ctx, ev.kind)
            recantation.readmit(ctx, ev.kind)  # rules.readmission: sessions
            if ev.kind == "congress":
                circular_flow.congress(ctx, ev.cc_seats, ev.executive_seats)
            elif ev.executive_seats:  # a plenum may enlarge or shrink the executive
                circular_flow.resize_executive(ctx, ev.executive_seats)
        recantation.struck(ctx)  # those struck this month may recant to be taken back
        circular_flow.fill_offices(ctx)
        sat = next((e.kind for e in meetings if e.kind in circular_flow.CC_SESSIONS), None)
        circular_flow.fill_executive(ctx, "co-opted to fill a vacancy", sat)
        opposition.monthly(ctx)
        prestige.monthly(ctx)
        policy.monthly(ctx)
        st.betrayal *= ctx.p("betrayal_memory", 3)
        beliefs.monthly(ctx)
        rivalry.monthly(ctx)
        st.power = compute_power(c, st, m)
        dom = dominance(ctx)
        for row in ctx.log.rows((dom >= 0) & (st.dominant != dom)):
            ctx.note(
                row,
                "consolidation",
                f"{ctx.name(int(dom[row]))} now controls the executive and the CC; "
                + (
                    "no rival is left in the executive."
                    if c.rules.dominance.rivals_in_executive == 0
                    else "his side holds what the rules call consolidated power."
                ),
                actors=(c.actors[int(dom[row])],),
            )
        st.dominant_since = np.where(dom != st.dominant, m, st.dominant_since)
        st.dominant = dom
        hist.record(st, m, dom)
    out = summarise(c, st, hist, idx, months, choices)
    return SimulationResult(c, seed_n, months, hist, out, ctx.log.entries)
