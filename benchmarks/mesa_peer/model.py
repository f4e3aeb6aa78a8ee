"""The Mesa model: one run of the succession struggle, one ``step()`` per month.

The scenario is read once per process through apparat's own loader and compiler, so
both implementations start from the same numbers; everything after that (every
mechanism, every draw) is this package's own per-agent code.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import mesa
import numpy as np

from apparat.engine.compiled import Compiled, compile_scenario
from apparat.scenario import load_scenario
from benchmarks.mesa_peer import beliefs, coalitions, contests, decisions, events, flow
from benchmarks.mesa_peer.agents import DEMONSTRATE, OPEN, Actor, Secretary
from benchmarks.mesa_peer.power import apparatus_control, compute_power, dominance

StreamMode = Literal["mesa", "apparat"]
HISTORY = ("power", "prestige", "executive", "ruling", "sanction", "bloc")


@lru_cache(maxsize=4)
def compiled(scenario: str = "bolshevik_1923") -> Compiled:
    """The compiled scenario, loaded once per process (YAML parsing is the slow part)."""
    c = compile_scenario(load_scenario(scenario))
    decisions.check_ported(c.scenario.decisions)
    return c


class PeerModel(mesa.Model):
    """One run of the scenario as a Mesa model.

    ``streams="mesa"`` draws from Mesa's seeded generator (``model.rng``), seeded by
    ``(seed, run)``; ``streams="apparat"`` draws apparat's counter-based numbers for
    run ``run`` under ``seed`` instead, so a run can be compared with apparat's twin
    month by month. Either way a number is fixed by (stream, month, slot): a second
    look in the same month (blocs re-forming after a decision) sees the same luck,
    which is the model's rule, not an optimisation.
    """

    def __init__(
        self,
        run: int = 0,
        seed: int = 0,
        streams: StreamMode = "mesa",
        scenario: str = "bolshevik_1923",
        history: bool = False,
    ) -> None:
        super().__init__(rng=[seed, run])
        self.c = c = compiled(scenario)
        self.run_index = run
        self.seed_value = seed
        self.streams = streams
        self._apparat = None
        if streams == "apparat":
            from apparat.engine.random import Streams

            self._apparat = Streams(seed, np.array([run], dtype=np.int64))
        self._drawn: dict[tuple[str, int], float] = {}
        self._once: dict[tuple[str, int], float] = {}  # draws fixed for the whole run
        self.month = 0
        self.months = c.months
        self.people = [Actor(self, i) for i in range(len(c.actors))]  # by actor index
        self.actors = self.agents_by_type[Actor]
        self.posts = [Secretary(self, s, int(p)) for s, p in enumerate(c.secretaries0)]
        self.secretaries = self.agents_by_type[Secretary]
        self.holder: list[int] = c.holder0.tolist()
        self.executive_seats = c.executive_seats0
        self.cc_seats = c.cc_seats0
        self.cc_unaligned = float(c.cc_clients0[-1])
        self.oversight = c.params["oversight"]
        self.salience = [1.0, 1.0, 1.0]
        self.mood = [0.0, 0.0, 0.0]
        self.line = [0.0, 0.0, 0.0]
        self.opinion = [0.0, 0.0, 0.0]  # where support lies (policy drift's target)
        self.dominant = -1
        self.dominant_since = -1
        self.rebuffed = False
        self.choices: dict[str, int] = {}
        beliefs.start(self)  # month 0's misjudgements, before the first step
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "month": "month",
                "dominant": lambda m: m.c.actors[m.dominant] if m.dominant >= 0 else None,
                "consolidation_month": lambda m: m.consolidation_month(),
                "strongest": lambda m: m.strongest(),
            },
            # apparat records each run's monthly history; ``history`` makes the peer
            # collect the same per actor, for a like-for-like comparison
            agenttype_reporters={Actor: dict(zip(HISTORY, HISTORY, strict=True))}
            if history
            else None,
        )

    # --- chance ---------------------------------------------------------------------
    def _draw(self, kind: str, stream: str, slot: int) -> float:
        key = (kind + stream, slot)
        if key not in self._drawn:
            if self._apparat is None:
                value = self.rng.random() if kind == "u" else self.rng.standard_normal()
            else:
                slots = np.array([slot], dtype=np.int64)
                draw = self._apparat.uniform if kind == "u" else self._apparat.normal
                value = draw(stream, self.month, slots)[0, 0]
            self._drawn[key] = float(value)
        return self._drawn[key]

    def uniform_once(self, stream: str, slot: int = 0) -> float:
        """A uniform in [0, 1) fixed for the whole run (apparat's draw for month 0)."""
        key = (stream, slot)
        if key not in self._once:
            if self._apparat is None:
                value = self.rng.random()
            else:
                slots = np.array([slot], dtype=np.int64)
                value = self._apparat.uniform(stream, 0, slots)[0, 0]
            self._once[key] = float(value)
        return self._once[key]

    def uniform(self, stream: str, slot: int = 0) -> float:
        """A uniform in [0, 1): the same for the same stream and slot within a month."""
        return self._draw("u", stream, slot)

    def normal(self, stream: str, slot: int = 0) -> float:
        """A standard normal: the same for the same stream and slot within a month."""
        return self._draw("n", stream, slot)

    # --- who stands with whom -------------------------------------------------------
    def leader(self) -> int:
        """The strongest member of the ruling coalition (actor 0 when none rules, as a
        first-maximum over no candidates gives in the engine)."""
        best, best_power = 0, -1.0
        for a in self.people:
            p = a.power if a.ruling else -1.0
            if p > best_power:
                best, best_power = a.index, p
        return best

    def any_ruling(self) -> bool:
        return any(a.ruling for a in self.people)

    def allied(self, actor: int) -> list[bool]:
        """Who stands with ``actor``: the actor himself and his bloc."""
        if actor < 0:
            return [False] * len(self.people)
        own = self.people[actor].bloc
        out = [own >= 0 and a.bloc == own for a in self.people]
        out[actor] = True
        return out

    def side(self, actor: int) -> list[bool]:
        """The actor, his bloc, and whoever follows a member of it."""
        same = self.allied(actor)
        return [same[i] or (a.follows >= 0 and same[a.follows]) for i, a in enumerate(self.people)]

    def consolidation_month(self) -> int:
        """First month of the current unbroken consolidation; -1 while nobody holds it
        (a consolidation that was lost again counts for nothing)."""
        return self.dominant_since if self.dominant >= 0 else -1

    def strongest(self) -> str:
        """The contender with the largest power share (first one on a tie)."""
        best = max(self.people, key=lambda a: a.power * a.contender)
        return best.key

    # --- the month ------------------------------------------------------------------
    def recompute_power(self) -> None:
        for a, p in zip(self.people, compute_power(self), strict=True):
            a.power = p

    def step(self) -> None:
        """One month, in the engine's order (docs/model.md §3)."""
        c = self.c
        m = self.month = self.steps - 1
        self._drawn.clear()
        todays = c.events.get(m, [])
        meetings = events.apply(self, todays)
        deaths = any(e.kind in ("death", "incapacitation") for e in todays)
        self.recompute_power()
        lapsed = coalitions.lapse_pacts(self)
        if m == 0 or meetings or deaths or self.rebuffed or lapsed:
            coalitions.form(self)
        for slot, d in enumerate(c.decisions.get(m, [])):
            if decisions.take(self, d, slot):
                self.recompute_power()
                coalitions.form(self)
                flow.fill_offices(self)
        flow.monthly(self)
        self.recompute_power()
        contests.meeting(self, "executive")
        for ev in meetings:
            contests.meeting(self, ev.kind, ev.id)
            if decisions.readmit(self, ev.kind):
                self.recompute_power()
                coalitions.form(self)
            if ev.kind == "congress":
                flow.congress(self, ev.cc_seats, ev.executive_seats)
        if decisions.recant_struck(self):
            self.recompute_power()
            coalitions.form(self)
        flow.fill_offices(self)
        sat = next((e.kind for e in meetings if e.kind in flow.CC_SESSIONS), None)
        flow.fill_executive(self, sat)
        self.actors.shuffle_do("campaign", 1.0 - apparatus_control(self))
        charged = contests.charged(self)  # the charge outlives the month of a demonstration
        for a, ch in zip(self.people, charged, strict=True):
            a.illegal = ch
            if a.tactic == DEMONSTRATE:
                a.tactic = OPEN
        self.actors.do("recover_prestige", c.params["prestige_recovery"])
        events.drift_policy(self)
        memory = c.params["betrayal_memory"]
        for a in self.people:
            a.betrayal = [b * memory for b in a.betrayal]
        self.actors.do("learn", c.params["belief_learning"])
        events.rivalry(self)
        self.recompute_power()
        dom = dominance(self)
        if dom != self.dominant:
            self.dominant_since = m
        self.dominant = dom
        self.datacollector.collect(self)
        if self.steps >= self.months:
            self.running = False
