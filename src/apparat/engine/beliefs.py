"""Beliefs: what each actor thinks the others' strength is.

Actors choose on estimates, not on the true state. Observer i's estimate of j's power is
the true share times ``exp(m[i, j])``, renormalised; ``m`` is the misjudgement. It
starts as noise -- less for an observer with a talent for intrigue, who reads people --
minus a concealment term for a target with that talent, who hides his hand (S1:264
"had a taste for intrigue"; S4:25 "dull, grey blank": his rivals underestimated the
General Secretary). Misjudgement fades as months of open politics pass
(``belief_learning``), and a target's strength is seen for what it is when a motion of
his carries (``reveal``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine.compiled import TRAIT
from apparat.engine.context import Context

F = NDArray[np.float64]
I = NDArray[np.int64]

INTRIGUE = TRAIT["intrigue"]


def start(ctx: Context) -> None:
    """Each run's first misjudgements, from its own stream: noise scaled by the
    observer's lack of intrigue, less the target's concealment."""
    st = ctx.st
    n = st.power.shape[1]
    z = ctx.rng.normal("beliefs.start", 0, n * n).reshape(st.runs, n, n)
    intrigue = st.traits[:, :, INTRIGUE]
    m = ctx.p("belief_noise", 3) * (1.0 - intrigue[:, :, None]) * z
    m = m - ctx.p("concealment", 3) * intrigue[:, None, :]
    idx = np.arange(n)
    m[:, idx, idx] = 0.0  # a man knows his own strength
    st.misjudge = m


def monthly(ctx: Context) -> None:
    """A month of open politics: every misjudgement shrinks toward the truth."""
    ctx.st.misjudge *= 1.0 - ctx.p("belief_learning", 3)


def reveal(ctx: Context, rows: I, who: I) -> None:
    """A carried motion shows its mover's strength to everyone, in the runs ``rows``."""
    if rows.size:
        ctx.st.misjudge[rows, :, who] = 0.0


def believed(ctx: Context, observer: I | int, rows: NDArray[np.intp] | None = None) -> F:
    """(R, A): the power shares as ``observer`` (one actor per run, or one for all)
    sees them; for the runs in ``rows`` only, when given."""
    st = ctx.st
    if rows is None:
        m = st.misjudge[np.arange(st.runs), observer]
        return _normalised(st.power * np.exp(m))
    obs = observer if np.ndim(observer) == 0 else np.asarray(observer)[rows]
    return _normalised(st.power[rows] * np.exp(st.misjudge[rows, obs]))


def public(ctx: Context) -> F:
    """(R, A): the power shares as the others see each actor on average (the geometric
    mean of their estimates): the reputation blocs are formed on."""
    st = ctx.st
    n = st.power.shape[1]
    m = (st.misjudge.sum(axis=1) - st.misjudge[:, np.arange(n), np.arange(n)]) / max(n - 1, 1)
    return _normalised(st.power * np.exp(m))


def _normalised(x: F) -> F:
    return x / np.maximum(x.sum(axis=1, keepdims=True), 1e-12)
