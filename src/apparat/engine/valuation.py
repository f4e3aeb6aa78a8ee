"""The one choice rule's formula, and what a camp promises a man: kept apart from
engine.choice (which reads the contests) so that the mechanisms can weigh their own
choices by it -- the coalition game asks who gains by breaking a bloc (S4:232, S1:391).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine.compiled import TRAIT
from apparat.engine.context import Context

F = NDArray[np.float64]
I = NDArray[np.int64]


def softmax(utilities: F, temperature: float | F) -> F:
    """(R, K): the one choice rule's probabilities, a softmax of the utilities at
    ``temperature`` (a float, or (R, 1) per run); an option worth ``-inf`` gets 0."""
    z = utilities / np.maximum(temperature, 1e-9)
    top = z.max(axis=1, keepdims=True)
    z = np.exp(z - np.where(np.isfinite(top), top, 0.0))
    out: F = z / np.maximum(z.sum(axis=1, keepdims=True), 1e-300)
    return out


def pick(prob: F, u: F) -> I:
    """(R,): the option each row draws by inverse transform from one uniform ``u``
    (R,), never one of probability 0 (rounding could carry a draw past the last)."""
    k = prob.shape[1]
    drawn = (u[:, None] >= np.cumsum(prob, axis=1)[:, :-1]).sum(axis=1)
    last = k - 1 - np.argmax(prob[:, ::-1] > 0.0, axis=1)
    out: I = np.minimum(drawn, last).astype(np.int64)
    return out


def sigmoid(x: F) -> F:
    """The logistic function, written so that large arguments cannot overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def utility(
    ctx: Context,
    traits: F,
    gain: F,
    risk: F,
    act: F | float,
    concession: F,
    rows: NDArray[np.intp] | None = None,
) -> F:
    """(R,): the rule itself, for a chooser with ``traits`` (R, 7); or (r, n) for n
    choosers in each run of ``rows`` (traits (r, n, 7))."""
    nd = traits.ndim - 1
    return (
        traits[..., TRAIT["ambition"]] * gain
        - (1.0 - traits[..., TRAIT["resolve"]])
        * (ctx.p("choice_risk", nd, rows) * risk + ctx.p("choice_action", nd, rows) * act)
        - (1.0 - traits[..., TRAIT["flexibility"]])
        * ctx.p("choice_concession", nd, rows)
        * concession
    )


def spread(ctx: Context, ndim: int = 1, rows: NDArray[np.intp] | None = None) -> F | float:
    """How widely a trial of strength scatters about the balance of strength: the
    luck of a vote (``vote_noise``, which also decides who wins a split), floored so
    that no outcome is ever taken for certain."""
    return np.maximum(ctx.p("vote_noise", ndim, rows), 0.02)


def win_chance(own: F, rival: F, spread: F | float) -> F:
    """The chance a side believed this strong prevails over a rival side: the split's
    own rule (the margin as a share of the two sides' strength, against the luck of the
    vote), in the logistic form of the normal. He expects what the mechanism does; only
    his beliefs about the strengths can mislead him."""
    margin = (own - rival) / np.maximum(own + rival, 1e-9)
    return sigmoid(1.7 * margin / spread)


def rule_share(own: F, claims: F, camp: F, rival: F, spread: F | float) -> F:
    """(R,): his expected share of rule: the chance his camp prevails over the strongest
    other side, times his part of the camp's claims to rule. ``own`` is his claim and
    ``claims`` the camp's: each member's strength weighted by his ambition, for an
    ambitious partner contends for the first place and an unambitious one serves
    (S4:232 colleagues 'regard Trotsky as dangerously ambitious and Stalin as reliably
    self-effacing'; S1:391 Stalin pitted 'Bukharin against Zinoviev and Kamenev')."""
    return win_chance(camp, rival, spread) * own / np.maximum(claims, 1e-9)


def claims(ctx: Context, seen: F) -> F:
    """(R, A): each actor's claim to rule: his strength as seen, times his ambition."""
    return seen * ctx.st.traits[:, :, TRAIT["ambition"]]
