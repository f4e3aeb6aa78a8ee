"""A scenario compiled to index maps and arrays: what the mechanisms actually read.

The engine knows roles, not names: the office that appoints, the executive, the CC, the
congress. Compilation is where a scenario's people and offices become indices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from apparat.engine.posts import Posts, compile_posts
from apparat.engine.repertoire import Repertoire, compile_repertoire
from apparat.scenario.citations import Citation
from apparat.scenario.models import TRAITS, Decision, Event, Office, Scenario
from apparat.scenario.parameters import resolve
from apparat.scenario.rules import Rules

F = NDArray[np.float64]
I = NDArray[np.int64]
B = NDArray[np.bool_]

TRAIT = {name: i for i, name in enumerate(TRAITS)}


def month_index(start: str, month: str) -> int:
    """Months from the scenario start ('1922-12' -> 0)."""
    y0, m0 = (int(x) for x in start.split("-"))
    y1, m1 = (int(x) for x in month.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


def month_label(start: str, index: int) -> str:
    y0, m0 = (int(x) for x in start.split("-"))
    total = y0 * 12 + (m0 - 1) + index
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def _assign_seats(count: int, shares: F) -> I:
    """Deterministic seats by largest remainder: patron index per seat, -1 unaligned."""
    shares = np.append(shares, max(0.0, 1.0 - shares.sum()))
    raw = shares * count
    seats = np.floor(raw).astype(np.int64)
    for i in np.argsort(-(raw - seats), kind="stable")[: count - seats.sum()]:
        seats[i] += 1
    patrons = np.repeat(np.arange(len(shares)), seats)
    patrons[patrons == len(shares) - 1] = -1
    return patrons.astype(np.int64)


@dataclass(frozen=True)
class Compiled:
    """Everything the step loop needs, as arrays indexed by actor, office and month."""

    scenario: Scenario
    actors: list[str]
    names: list[str]
    traits: F  # (A, 7)
    position: F  # (A, X): one column per policy axis of the scenario
    enmity: F  # (A, A), symmetric
    trust: F  # (A, A): 1 between members of one faction the sources name, else 0
    faction_leader: I  # (A,): the named leader of each actor's faction, -1 none
    contender: B
    sanction0: I  # (A,): the level each actor starts at
    offices: list[str]
    office_names: list[str]
    holder0: I  # (O,)
    appoints: int
    deputy: I  # (O,): the office whose holder succeeds to this one, -1 none
    ex_officio: I  # (O,): the office whose holder takes this one when vacant, -1 none
    refilled: B  # (O,): False for a post made for one man, left empty once he leaves it
    patronage: F
    delegates: F
    force: F
    press: F
    surveillance: F
    executive0: B  # (A,)
    bench0: B  # (A,): the executive's candidate members at the start
    cc0: B  # (A,): full CC members at the start
    executive_seats0: int
    cc_seats0: int
    cc_clients0: F  # (A + 1,) counts, last = unaligned
    secretaries0: I  # (S,) patron per post, -1 unaligned
    commanders0: F  # (A,) share of the officer corps looking to each actor
    commanders_weight: float  # share of armed force that follows the commanders, not offices
    cohort_members: F
    cohort_joins: I  # month index, -1 from the start
    cohort_loyalty: F
    cohort_pull: F
    months: int
    params: dict[str, float]
    events: dict[int, list[Event]] = field(default_factory=dict)
    decisions: dict[int, list[Decision]] = field(default_factory=dict)
    founder: int = -1
    body_role: dict[str, str] = field(default_factory=dict)
    param_cites: dict[str, list[Citation]] = field(default_factory=dict)
    rep: Repertoire | None = None
    force_offices: I = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    dominance_offices: I = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def rules(self) -> Rules:
        return self.scenario.rules

    @property
    def sanctions(self) -> Repertoire:
        """The sanction repertoire (always set by :func:`compile_scenario`)."""
        assert self.rep is not None
        return self.rep

    @cached_property
    def axes(self) -> list[str]:
        return [a.id for a in self.rules.axes]

    @cached_property
    def axis(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.axes)}

    @cached_property
    def party_mix(self) -> F:
        """(months, 2): the members' loyalty to the apparatus and the pull of oratory on
        them, month by month, averaged over the cohorts present (the same in every run)."""
        months = np.arange(self.months)[:, None]
        present = (self.cohort_joins[None, :] < 0) | (self.cohort_joins[None, :] <= months)
        w = self.cohort_members[None, :] * present
        total = w.sum(axis=1)
        return np.stack(
            [
                (w * self.cohort_loyalty).sum(axis=1) / total,
                (w * self.cohort_pull).sum(axis=1) / total,
            ],
            axis=1,
        )

    @cached_property
    def posts(self) -> Posts:
        """Who may hold each office and from when (careers, creation, incompatibilities)."""
        return compile_posts(self.scenario)

    @property
    def start(self) -> str:
        return self.scenario.scenario.start

    def label(self, month: int) -> str:
        return month_label(self.start, month)

    def index(self, actor: str) -> int:
        return self.actors.index(actor)

    def cites(self, *params: str) -> list[Citation]:
        return [c for p in params for c in self.param_cites.get(p, [])]


def _deputies(offices: list[Office]) -> I:
    ids = [o.id for o in offices]
    out = np.full(len(offices), -1, dtype=np.int64)
    for i, o in enumerate(offices):
        if o.deputy_of is not None:
            out[ids.index(o.deputy_of)] = i
    return out


def compile_scenario(s: Scenario, params: dict[str, float] | None = None) -> Compiled:
    """Index a validated scenario; ``params`` override parameter values (interventions)."""
    actors = [a.id for a in s.actors]
    idx = {a: i for i, a in enumerate(actors)}
    n = len(actors)
    traits = np.array([[getattr(a.traits, t).value for t in TRAITS] for a in s.actors])
    axes = [x.id for x in s.rules.axes]
    position = np.array([[a.position[x].value for x in axes] for a in s.actors]).reshape(n, -1)
    enmity = np.zeros((n, n))
    for a in s.actors:
        for e in a.enmities:
            i, j = idx[a.id], idx[e.with_]
            enmity[i, j] = enmity[j, i] = max(enmity[i, j], e.strength)
    trust = np.zeros((n, n))
    faction_leader = np.full(n, -1, dtype=np.int64)
    for f in s.factions:
        members = [idx[m] for m in f.members]
        trust[np.ix_(members, members)] = 1.0
        if f.leader is not None:
            faction_leader[members] = idx[f.leader]
    np.fill_diagonal(trust, 0.0)
    offices = s.offices
    holder0 = np.array([idx[o.holder] if o.holder else -1 for o in offices], dtype=np.int64)
    executive = next(b for b in s.bodies if b.id == s.roles.executive)
    executive0 = np.zeros(n, dtype=bool)
    executive0[[idx[m] for m in executive.members]] = True
    bench0 = np.zeros(n, dtype=bool)
    bench0[[idx[m] for m in executive.candidates]] = True
    cc = s.party.central_committee
    cc_shares = np.array([cc.patrons.get(a, 0.0) for a in actors])
    cc_clients = np.append(cc_shares, max(0.0, 1 - cc_shares.sum())) * cc.count
    cmd = s.party.commanders
    sec = s.party.secretaries
    secretaries = _assign_seats(sec.count, np.array([sec.patrons.get(a, 0.0) for a in actors]))
    start, end = s.scenario.start, s.scenario.end
    events: dict[int, list[Event]] = {}
    for ev in s.calendar:
        events.setdefault(month_index(start, ev.date), []).append(ev)
    decisions: dict[int, list[Decision]] = {}
    when = {ev.id: month_index(start, ev.date) for ev in s.calendar}
    for d in s.decisions:
        due = month_index(start, d.date)
        if d.after is not None:  # it hangs on the event: no earlier than it
            due = max(due, when[d.after])
        if d.before is not None and when[d.before] <= due:
            continue  # the event came first: the decision lapses
        decisions.setdefault(due, []).append(d)
    values = resolve(dict(s.parameters))
    values.update(params or {})
    cohorts = s.party.cohorts
    return Compiled(
        scenario=s,
        actors=actors,
        names=[a.name for a in s.actors],
        traits=traits,
        position=position,
        enmity=enmity,
        trust=trust,
        faction_leader=faction_leader,
        contender=np.array([a.contender for a in s.actors]),
        sanction0=np.array(
            [
                [x.id for x in s.rules.sanctions].index(a.sanction) + 1 if a.sanction else 0
                for a in s.actors
            ],
            dtype=np.int64,
        ),
        offices=[o.id for o in offices],
        office_names=[o.name for o in offices],
        holder0=holder0,
        appoints=next(i for i, o in enumerate(offices) if o.appoints),
        deputy=_deputies(offices),
        ex_officio=np.array(
            [[o.id for o in offices].index(o.ex_officio) if o.ex_officio else -1 for o in offices],
            dtype=np.int64,
        ),
        refilled=np.array([o.refilled for o in offices]),
        patronage=np.array([o.patronage for o in offices]),
        delegates=np.array([o.delegates for o in offices]),
        force=np.array([o.force for o in offices]),
        press=np.array([o.press for o in offices]),
        surveillance=np.array([o.surveillance for o in offices]),
        executive0=executive0,
        bench0=bench0,
        cc0=np.array([a.cc for a in s.actors], dtype=bool),
        executive_seats0=executive.seats,
        cc_seats0=cc.count,
        cc_clients0=cc_clients,
        secretaries0=secretaries,
        commanders0=np.array([cmd.patrons.get(a, 0.0) for a in actors]) if cmd else np.zeros(n),
        commanders_weight=cmd.weight if cmd else 0.0,
        cohort_members=np.array([c.members for c in cohorts]),
        cohort_joins=np.array(
            [month_index(start, c.joins) if c.joins else -1 for c in cohorts], dtype=np.int64
        ),
        cohort_loyalty=np.array([c.apparatus_loyalty for c in cohorts]),
        cohort_pull=np.array([c.oratory_pull for c in cohorts]),
        months=month_index(start, end) + 1,
        params=values,
        events=events,
        decisions=decisions,
        founder=idx[s.roles.founder] if s.roles.founder else -1,
        body_role={b.id: b.role for b in s.bodies},
        param_cites={name: list(p.cite) for name, p in s.parameters.items()},
        rep=compile_repertoire(s.rules),
        force_offices=np.array(
            [[o.id for o in offices].index(x) for x in s.rules.force.offices], dtype=np.int64
        ),
        dominance_offices=np.array(
            [[o.id for o in offices].index(x) for x in s.rules.dominance.offices], dtype=np.int64
        ),
    )
