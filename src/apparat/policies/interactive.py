"""A person as a policy: the player's decisions are asked, everyone else's behave.

The engine hands a policy the world as it stands when a decision falls due; this policy
turns it into a plain ``Situation`` (what the actor would see) and asks a callback, so a
terminal prompt, a web page or a test script can all play.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from apparat.engine.chronicle import Entry
from apparat.engine.decisions import DecisionContext, behavioural_choice
from apparat.errors import InterventionError


@dataclass(frozen=True)
class OptionView:
    id: str
    label: str
    description: str
    cites: list[str]


@dataclass(frozen=True)
class Situation:
    """What the player sees at a decision: who holds what, who stands with whom, how
    strong and respected each leader is, and what happened since the last decision."""

    decision: str
    question: str
    date: str
    options: list[OptionView]
    offices: list[tuple[str, str]]  # (office name, holder name)
    blocs: list[tuple[str, list[str], bool]]  # (leader, members, ruling)
    leaders: list[tuple[str, float, float]]  # (name, power share, prestige)
    recent: list[Entry]
    historical: str  # revealed only after the choice
    cites: list[str] = field(default_factory=list)


Ask = Callable[[Situation], str]


class Interactive:
    """Ask ``ask`` for the decisions of ``actor`` (in a batch of one run); replay any
    answers already given (a resumed game); let everyone else behave."""

    def __init__(self, actor: str, ask: Ask, answers: dict[str, str] | None = None) -> None:
        self.actor = actor
        self.ask = ask
        self.answers: dict[str, str] = dict(answers or {})
        self._since = -1

    def choose(self, dc: DecisionContext) -> NDArray[np.int64]:
        default = behavioural_choice(dc)
        d = dc.decision
        if d.actor != self.actor or not dc.eligible.any():
            return default
        if dc.eligible.size != 1:
            raise InterventionError("a person can play only a single run at a time")
        ids = [o.id for o in d.options]
        answer = self.answers.get(d.id)
        if answer is None:
            answer = self.ask(self.situation(dc))
            if answer not in ids:
                raise InterventionError(f"{d.id}: no option {answer!r}; options: {', '.join(ids)}")
            self.answers[d.id] = answer
        return np.array([ids.index(answer)], dtype=np.int64)

    def situation(self, dc: DecisionContext) -> Situation:
        ctx = dc.world
        if ctx is None:
            raise InterventionError("the engine gave this decision no view of the world")
        c, st = ctx.c, ctx.st
        d = dc.decision
        names = c.names
        offices = [
            (c.office_names[o], names[h] if h >= 0 else "vacant")
            for o, h in enumerate(int(x) for x in st.holder[0])
        ]
        blocs: dict[int, list[str]] = {}
        for i, b in enumerate(st.bloc[0]):
            if b >= 0:
                blocs.setdefault(int(b), []).append(names[i])
        bloc_rows = [(names[b], members, bool(st.ruling[0, b])) for b, members in blocs.items()]
        order = np.argsort(-st.power[0])
        leaders = [
            (names[i], float(st.power[0, i]), float(st.prestige[0, i]))
            for i in order
            if c.contender[i] and st.active[0, i]
        ]
        recent = [e for e in ctx.log.entries if e.month > self._since]
        self._since = dc.month
        return Situation(
            decision=d.id,
            question=d.question,
            date=c.label(dc.month),
            options=[
                OptionView(o.id, o.label, o.description, [str(x) for x in o.cite])
                for o in d.options
            ],
            offices=offices,
            blocs=sorted(bloc_rows, key=lambda b: not b[2]),
            leaders=leaders,
            recent=recent,
            historical=d.historical,
            cites=[str(x) for x in d.cite],
        )
