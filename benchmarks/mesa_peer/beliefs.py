"""Beliefs for one run: what each leader thinks the others' strength is (engine.beliefs).

Each ``Actor`` keeps his own row of misjudgements, ``misjudge[j]``: the log-error of his
estimate of actor j's power share. It starts as noise (less for an intriguer, who reads
people) minus a concealment term for an intriguing target, fades each month, and a
mover's column is wiped when a motion of his carries.
"""

from __future__ import annotations

from math import exp
from typing import TYPE_CHECKING

from benchmarks.mesa_peer.agents import TRAIT

if TYPE_CHECKING:
    from benchmarks.mesa_peer.model import PeerModel

INTRIGUE = TRAIT["intrigue"]


def start(model: PeerModel) -> None:
    """The run's first misjudgements, from the stream "beliefs.start" of month 0 (slot
    ``i * n + j`` for observer i and target j)."""
    p, people = model.c.params, model.people
    n = len(people)
    noise, conceal = p["belief_noise"], p["concealment"]
    intrigue = [a.traits[INTRIGUE] for a in people]
    for a in people:
        scale = noise * (1.0 - intrigue[a.index])
        a.misjudge = [
            0.0  # a man knows his own strength
            if j == a.index
            else scale * model.normal("beliefs.start", a.index * n + j) - conceal * intrigue[j]
            for j in range(n)
        ]


def reveal(model: PeerModel, who: int) -> None:
    """A carried motion shows its mover's strength to everyone."""
    for a in model.people:
        a.misjudge[who] = 0.0


def _normalised(x: list[float]) -> list[float]:
    total = max(sum(x), 1e-12)
    return [v / total for v in x]


def believed(model: PeerModel, observer: int) -> list[float]:
    """The power shares as ``observer`` sees them."""
    m = model.people[observer].misjudge
    return _normalised([a.power * exp(e) for a, e in zip(model.people, m, strict=True)])


def public(model: PeerModel) -> list[float]:
    """The power shares as the others see each actor on average (the geometric mean of
    their estimates): his reputation."""
    people = model.people
    k = max(len(people) - 1, 1)
    out = []
    for b in people:
        j = b.index
        total = 0.0
        for a in people:
            total += a.misjudge[j]
        out.append(b.power * exp((total - b.misjudge[j]) / k))
    return _normalised(out)
