"""The one choice rule's formula for one run (engine.valuation), apart from the choice
module so that the coalition game can weigh who gains by breaking a bloc."""

from __future__ import annotations

from math import tanh
from typing import TYPE_CHECKING

from benchmarks.mesa_peer.agents import TRAIT

if TYPE_CHECKING:
    from benchmarks.mesa_peer.model import PeerModel


def sigmoid(x: float) -> float:
    return 0.5 * (1.0 + tanh(0.5 * x))


def utility(
    model: PeerModel, traits: list[float], gain: float, risk: float, act: float, concession: float
) -> float:
    """The rule itself, for a chooser with these traits."""
    p = model.c.params
    return (
        traits[TRAIT["ambition"]] * gain
        - (1.0 - traits[TRAIT["resolve"]]) * (p["choice_risk"] * risk + p["choice_action"] * act)
        - (1.0 - traits[TRAIT["flexibility"]]) * p["choice_concession"] * concession
    )


def spread(model: PeerModel) -> float:
    """How widely a trial of strength scatters: the luck of a vote, floored."""
    return max(model.c.params["vote_noise"], 0.02)


def win_chance(own: float, rival: float, spread: float) -> float:
    """The chance a side believed this strong prevails over the strongest other."""
    margin = (own - rival) / max(own + rival, 1e-9)
    return sigmoid(1.7 * margin / spread)


def rule_share(own: float, claims: float, camp: float, rival: float, spread: float) -> float:
    """His expected share of rule: the chance his camp prevails, times his part of the
    camp's claims (strength weighted by ambition)."""
    return win_chance(camp, rival, spread) * own / max(claims, 1e-9)


def claims(model: PeerModel, seen: list[float]) -> list[float]:
    """Each actor's claim to rule: his strength as seen, times his ambition."""
    return [s * a.traits[TRAIT["ambition"]] for s, a in zip(seen, model.people, strict=True)]
