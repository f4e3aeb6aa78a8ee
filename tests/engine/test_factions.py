"""Factions the sources name (S1:17-19): their members bear each other inside a bloc,
resent each other's rise less, and the second rank follows its faction's leader."""

from __future__ import annotations

import numpy as np

from apparat.engine import compile_scenario
from apparat.engine.mechanisms import coalitions, rivalry
from apparat.engine.mechanisms.opposition import TACTIC_CODE
from apparat.engine.mechanisms.power import compute_power
from apparat.scenario import Scenario
from conftest import MakeContext


def test_trust_lowers_friction_only_inside_a_faction(
    bolshevik: Scenario, make_context: MakeContext
) -> None:
    trusting = make_context(compile_scenario(bolshevik))
    wary = make_context(compile_scenario(bolshevik, {"faction_trust": 0.0}))
    c = trusting.c
    z, k, s = (c.index(a) for a in ("zinoviev", "kamenev", "stalin"))
    fr_t, fr_w = coalitions.friction(trusting), coalitions.friction(wary)
    drop = fr_w[:, z, k] - fr_t[:, z, k]
    expected = c.params["enmity_weight"] * c.params["faction_trust"]
    assert np.allclose(drop, expected)
    assert expected > 0
    assert np.allclose(fr_t[:, z, s], fr_w[:, z, s])  # not one faction: no change


def test_faction_members_resent_each_others_rise_less(
    bolshevik: Scenario, make_context: MakeContext
) -> None:
    ctxs = [make_context(compile_scenario(bolshevik, {"faction_trust": v})) for v in (0.5, 0.0)]
    for ctx in ctxs:
        c, st = ctx.c, ctx.st
        st.active[:, c.founder] = False  # the mantle is open
        st.month = 20
        st.power = np.full(st.power.shape, 1.0 / st.power.shape[1])
        rivalry.monthly(ctx)
    c = ctxs[0].c
    b, r, s = (c.index(a) for a in ("bukharin", "rykov", "stalin"))
    trusting, wary = ctxs[0].st.enmity, ctxs[1].st.enmity
    grown_inside = trusting[:, b, r] - c.enmity[b, r] * (1 - c.params["enmity_decay"])
    grown_wary = wary[:, b, r] - c.enmity[b, r] * (1 - c.params["enmity_decay"])
    assert (grown_inside < grown_wary).all()
    assert (grown_wary > 0).all()
    assert np.allclose(trusting[:, b, s], wary[:, b, s])  # across factions: the same


def test_the_second_rank_follows_its_factions_leader(
    bolshevik: Scenario, make_context: MakeContext
) -> None:
    """Stalin's men follow him even where his line has moved far from theirs; without
    the faction's trust they follow the contender nearest in line."""
    followed = []
    for value in (0.5, 0.0):
        ctx = make_context(compile_scenario(bolshevik, {"faction_trust": value}))
        c, st = ctx.c, ctx.st
        st.active[:, c.founder] = False
        s, t = c.index("stalin"), c.index("trotsky")
        st.position[:, s] = st.position[:, t]  # Stalin takes Trotsky's line
        coalitions.form(ctx)
        men = [c.index(a) for a in ("molotov", "kaganovich", "mikoyan", "voroshilov")]
        followed.append((st.follows[:, men] == s).mean())
    assert followed[0] == 1.0
    assert followed[1] == 0.0


def test_a_pact_with_an_expelled_partner_keeps_no_one_out_of_a_bloc(
    bolshevik: Scenario, make_context: MakeContext
) -> None:
    """Trotsky expelled before them, Zinoviev and Kamenev, still bound to him by the
    United Opposition's pact and still in the CC, stay one opposition bloc: a tie to a
    man out of the coalition game does not split those still in it, and so the open
    faction the rulers close ranks against lasts until they too are out of the CC."""
    ctx = make_context(compile_scenario(bolshevik))
    c, st = ctx.c, ctx.st
    st.active[:, c.founder] = False
    st.month = 58
    t, z, k = (c.index(a) for a in ("trotsky", "zinoviev", "kamenev"))
    rulers = [c.index(a) for a in ("stalin", "bukharin", "rykov", "tomsky")]
    st.ruling[:] = False
    st.ruling[:, rulers] = True
    rep = c.sanctions
    st.sanction[:, t] = rep.index("expelled")
    st.sanction[:, [z, k]] = rep.index("removed_from_executive")
    st.tactic[:, [t, z, k]] = TACTIC_CODE["open"]
    for a, b in ((z, t), (k, t), (z, k)):
        st.pact_until[:, a, b] = st.pact_until[:, b, a] = st.month + 6
    st.power = compute_power(c, st, st.month)
    coalitions.form(ctx)
    assert (st.bloc[:, z] >= 0).all()
    assert (st.bloc[:, z] == st.bloc[:, k]).all()
    assert coalitions.open_faction(ctx).all()
