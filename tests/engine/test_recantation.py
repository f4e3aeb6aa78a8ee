"""Recantation for anyone struck (rules.recantation: struck): the way back into the party
weighed by the one choice rule against the views renounced (S1:380)."""

from __future__ import annotations

import numpy as np

from apparat.engine import choice, compile_scenario, recantation
from apparat.engine.context import Context
from apparat.engine.simulate import simulate
from apparat.scenario import Scenario
from conftest import MakeContext

EXPELLED = 5  # censured, removed from office, from the Politburo, from the CC, expelled


def _expel(ctx: Context, who: str) -> int:
    """Expel ``who`` in every run this month, as a carried motion leaves him."""
    c, st = ctx.c, ctx.st
    i = c.index(who)
    st.month = 60
    assert c.sanctions.names[EXPELLED] == "expelled"
    st.sanction[:, i] = EXPELLED
    st.last_step[:, i] = st.month
    st.ruling[:, i] = False
    st.tactic[:, i] = 1
    return i


def _with_rules(s: Scenario, **change: str) -> Scenario:
    """The scenario with its rules changed as given."""
    return s.model_copy(update={"rules": s.rules.model_copy(update=change)})


def _kamenev_struck(s: Scenario, make_context: MakeContext, runs: int) -> tuple[Context, int]:
    """Kamenev expelled this month, near a coin toss whether he recants, and the month's
    recantations weighed."""
    ctx = make_context(compile_scenario(s, {"decision_temperature": 0.5}), runs=runs)
    i = _expel(ctx, "kamenev")
    recantation.struck(ctx)
    return ctx, i


def test_the_line_he_renounces_costs_him(bolshevik: Scenario, make_context: MakeContext) -> None:
    ctx = make_context(compile_scenario(bolshevik), runs=16)
    i = _expel(ctx, "radek")
    who = np.full(16, i, dtype=np.int64)
    ctx.st.position[:, i] = ctx.st.line
    on_line = choice.recant_utility(ctx, who)
    ctx.st.position[:, i] = np.clip(ctx.st.line + 0.8, -1.0, 1.0)
    far = choice.recant_utility(ctx, who)
    assert np.all(far < on_line)
    assert np.all(choice.renounced(ctx, who) > 0.0)
    ctx.st.position[:, i] = ctx.st.line
    assert np.allclose(choice.renounced(ctx, who), 0.0)


def test_the_way_back_is_worth_his_standing(bolshevik: Scenario, make_context: MakeContext) -> None:
    ctx = make_context(compile_scenario(bolshevik), runs=16)
    i = _expel(ctx, "zinoviev")
    who = np.full(16, i, dtype=np.int64)
    ctx.st.prestige[:, i] = 0.05
    humbled = choice.recant_utility(ctx, who)
    ctx.st.prestige[:, i] = 0.6
    standing = choice.recant_utility(ctx, who)
    assert np.all(standing > humbled)


def test_the_struck_recant_and_are_readmitted(
    bolshevik: Scenario, make_context: MakeContext
) -> None:
    ctx, i = _kamenev_struck(bolshevik, make_context, 400)
    st = ctx.st
    back = st.readmit[:, i].copy()  # rules.readmission: sessions: recanted, awaiting the CC
    assert 0.2 < back.mean() < 0.8
    assert np.all(st.quiet_until[back, i] > st.month)
    assert np.allclose(st.position[back, i], st.line[back])
    assert np.all(st.tactic[back, i] == 0)
    assert any(e.kind == "recanted" for e in ctx.log.entries)
    # a declaration: he stays expelled until the CC sits, and a conference is not the CC
    assert np.all(st.sanction[:, i] == EXPELLED)
    recantation.readmit(ctx, "conference")
    assert np.all(st.sanction[:, i] == EXPELLED)
    recantation.readmit(ctx, "plenum")
    assert np.array_equal(st.sanction[:, i] < EXPELLED, back)
    assert not st.readmit.any()
    assert any(e.kind == "readmitted" for e in ctx.log.entries)


def test_by_default_a_recantation_readmits_at_once(
    bolshevik: Scenario, make_context: MakeContext
) -> None:
    ctx, i = _kamenev_struck(_with_rules(bolshevik, readmission="at_once"), make_context, 400)
    back = ctx.st.sanction[:, i] < EXPELLED
    assert 0.2 < back.mean() < 0.8
    assert not ctx.st.readmit.any()


def test_no_blow_no_recantation(bolshevik: Scenario, make_context: MakeContext) -> None:
    ctx = make_context(compile_scenario(bolshevik, {"decision_temperature": 0.5}), runs=64)
    i = _expel(ctx, "kamenev")
    ctx.st.last_step[:, i] = ctx.st.month - 3  # struck earlier: the moment has passed
    recantation.struck(ctx)
    assert np.all(ctx.st.sanction[:, i] == EXPELLED)


def test_rules_without_it_leave_recanting_to_the_decisions(
    bolshevik: Scenario, make_context: MakeContext
) -> None:
    ctx, i = _kamenev_struck(_with_rules(bolshevik, recantation="decisions"), make_context, 64)
    assert np.all(ctx.st.sanction[:, i] == EXPELLED)


def test_the_rigid_man_far_from_the_line_recants_least(bolshevik: Scenario) -> None:
    res = simulate(bolshevik, runs=300, seed=2, chronicle=True)
    by: dict[str, int] = {}
    for e in res.chronicle:
        if e.kind == "recanted":
            by[e.actors[0]] = by.get(e.actors[0], 0) + 1
    assert sum(by.values()) > 0
    # Trotsky (flexibility 0.25, S1:374) recants less often than Kamenev (0.6)
    assert by.get("trotsky", 0) < by.get("kamenev", 0)
