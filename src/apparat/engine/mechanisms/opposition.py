"""Opposition tactics: open platforms, appeals to the rank and file, underground work,
street demonstrations. Each wins support in some cohorts and raises the risk of
expulsion while the ban on factions stands.

References
----------
S2: the counter-demonstration of 7 November 1927 and the expulsions that followed.
S4: the 1921 ban on factionalism.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine.context import Context
from apparat.engine.mechanisms.power import apparatus_control
from apparat.engine.tally import tally

B = NDArray[np.bool_]

OPEN, APPEAL, UNDERGROUND, DEMONSTRATE = 1, 2, 3, 4
TACTIC_CODE = {"none": 0, "open": OPEN, "appeal": APPEAL, "underground": UNDERGROUND}
TACTIC_CODE["demonstrate"] = DEMONSTRATE
# the parameter that says what support a month of each tactic wins, times oratory and the
# members the apparatus does not hold
GAIN_PARAMETER = {
    OPEN: "open_gain",
    APPEAL: "appeal_gain",
    UNDERGROUND: "underground_gain",
    DEMONSTRATE: "demonstrate_gain",
}


def monthly_gain(ctx: Context, code: int) -> float | NDArray[np.float64]:
    """The support a month of this tactic wins, before oratory and the apparatus."""
    name = GAIN_PARAMETER.get(code)
    return 0.0 if name is None else ctx.p(name)


def charged(ctx: Context) -> B:
    """(R, A): who stands charged with illegal faction work: he has turned to it since
    he last recanted, or a member of his bloc works underground or marches now. The
    United Opposition's presses and its demonstration of 7 November 1927 were the whole
    opposition's, and its leaders were expelled for them (S2:36 'dopo di che')."""
    st = ctx.st
    n = st.bloc.shape[1]
    now = st.tactic >= UNDERGROUND
    key = np.where(st.bloc >= 0, st.bloc, n)
    bloc_now = np.take_along_axis(tally(key, n + 1, now) > 0, key, axis=1) & (st.bloc >= 0)
    return np.asarray(st.illegal | now | bloc_now)


def monthly(ctx: Context) -> None:
    """Excluded blocs campaign (where the rules say they do so unbidden); the ban makes
    campaigning cost, underground work pays more among those the apparatus does not
    hold, and provokes the ruling coalition."""
    st, c = ctx.st, ctx.c
    in_opposition = (st.bloc >= 0) & ~st.ruling & c.contender[None, :] & st.alive
    recanted = st.quiet_until >= st.month
    if c.rules.campaign:  # where the rules say excluded blocs campaign of their own accord
        st.tactic = np.where(in_opposition & ~recanted & (st.tactic == 0), OPEN, st.tactic)
    st.tactic = np.where(recanted | ~st.alive, 0, st.tactic)
    free = 1.0 - apparatus_control(c, st)
    oratory = st.traits[:, :, 3]
    gain = (
        np.select(
            [
                st.tactic == OPEN,
                st.tactic == APPEAL,
                st.tactic == UNDERGROUND,
                st.tactic == DEMONSTRATE,
            ],
            [ctx.p(GAIN_PARAMETER[code], 2) for code in (OPEN, APPEAL, UNDERGROUND, DEMONSTRATE)],
            0.0,
        )
        * oratory
        * free
    )
    penalty = ctx.p("factionalism_penalty", 2) * ctx.p("faction_ban", 2) * (st.tactic > 0)
    st.prestige = np.clip(st.prestige + gain - penalty, 0.0, 1.0)
    risky = st.tactic >= UNDERGROUND
    if risky.any():
        u = ctx.rng.uniform("opposition.exposed", st.month, len(c.actors))
        caught = risky & (u < 0.2 * ctx.p("underground_risk", 2))
        st.last_step = np.where(caught, st.month - 99, st.last_step)
    st.illegal = charged(ctx)  # the charge outlives the month of a demonstration
    st.tactic = np.where(st.tactic == DEMONSTRATE, OPEN, st.tactic)
