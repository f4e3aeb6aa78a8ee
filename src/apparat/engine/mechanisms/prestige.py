"""Prestige: recovers toward a standing that sanctions lower; policy failures cost it.

References
----------
S4: the Lenin legacy, the funeral, the suppressed Testament; S1: 'Lessons of October'
and the polemics; S2: the grain procurement crisis discredits the NEP line.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine.context import Context


def monthly(ctx: Context) -> None:
    """Pull prestige back toward the actor's standing, lowered by each sanction suffered."""
    st = ctx.st
    standing = st.traits[:, :, 0] * (1.0 - ctx.p("sanction_scar", 2) * st.sanction)
    st.prestige += ctx.p("prestige_recovery", 2) * (standing - st.prestige)
    st.prestige = np.clip(st.prestige, 0.0, 1.0) * st.alive


def shift(ctx: Context, deltas: dict[str, float], rows: np.ndarray | None = None) -> None:
    """Direct prestige changes named by an event or a decision's option."""
    st, c = ctx.st, ctx.c
    sel = slice(None) if rows is None else rows
    for actor, delta in deltas.items():
        i = c.index(actor)
        st.prestige[sel, i] = np.clip(st.prestige[sel, i] + delta, 0.0, 1.0)


def blame(
    ctx: Context, axis: int, direction: float | NDArray[np.float64], strength: float = 0.12
) -> None:
    """A policy failure: those who stand at the discredited end of the axis lose prestige,
    the more so if they govern (``direction`` may be one number per run)."""
    st = ctx.st
    exposure = np.clip(st.position[:, :, axis] * np.reshape(direction, (-1, 1)), 0.0, 1.0)
    weight = np.where(st.ruling, 1.0, 0.5)
    st.prestige = np.clip(st.prestige - strength * exposure * weight, 0.0, 1.0)
