"""The one choice rule (engine.choice), beliefs (engine.beliefs) and rivalry: no option
carries a weight of its own, every cited trait moves something, and the rule's parts
answer the way their docstrings say."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from numpy.typing import NDArray

from apparat.engine import Compiled, beliefs, choice, simulate
from apparat.engine.chronicle import Chronicle
from apparat.engine.compiled import TRAIT
from apparat.engine.context import Context
from apparat.engine.mechanisms import rivalry
from apparat.engine.mechanisms.opposition import TACTIC_CODE
from apparat.engine.mechanisms.power import compute_power
from apparat.engine.random import Streams
from apparat.engine.state import initial_state
from apparat.scenario.models import TRAITS

F = NDArray[np.float64]
SCENARIOS = Path(__file__).parents[2] / "src" / "apparat" / "scenarios"


def make_context(c: Compiled, runs: int = 40, seed: int = 3) -> Context:
    idx = np.arange(runs, dtype=np.int64)
    st = initial_state(c, runs)
    ctx = Context(c=c, st=st, rng=Streams(seed, idx), log=Chronicle(idx, np.zeros(runs, bool)))
    beliefs.start(ctx)
    return ctx


@pytest.mark.parametrize("scenario", ["bolshevik_1923", "china_1976"])
def test_no_option_in_a_bundled_scenario_carries_a_weight(scenario: str) -> None:
    """Options say what they do, never how much they are liked: no 'utility', 'bias' or
    weight key anywhere in a bundled decisions file."""
    raw = yaml.safe_load((SCENARIOS / scenario / "decisions.yaml").read_text())
    for d in raw["decisions"]:
        for opt in d["options"]:
            assert not {"utility", "bias", "weight", "weights"} & set(opt), (d["id"], opt["id"])


def test_the_irresolute_take_the_default_and_the_resolute_act(
    bolshevik_compiled: Compiled,
) -> None:
    """Trotsky's attack at the XII Congress: with his resolve at 1 he attacks more often
    than with it at 0, on the same luck -- the trait weighs, not the option."""
    c = bolshevik_compiled
    shares = []
    for resolve in (0.0, 1.0):
        r = simulate(
            c, runs=200, seed=5, chronicle=False, until="1923-04",
            factors={"trotsky.resolve": np.full(200, resolve)},
        )  # fmt: skip
        shares.append(float((r.outcomes.choices["trotsky.xii_congress"] == 0).mean()))
    assert shares[1] > shares[0] + 0.2


@pytest.mark.parametrize("trait", TRAITS)
def test_every_trait_moves_an_outcome(trait: str, bolshevik_compiled: Compiled) -> None:
    """Each of the seven cited traits is read by some choice or mechanism: setting it
    for every contender to 0 or to 1 changes the runs, on the same luck."""
    c = bolshevik_compiled
    contenders = [a for a, k in zip(c.actors, c.contender, strict=True) if k]
    runs = []
    for value in (0.05, 0.95):
        factors = {f"{a}.{trait}": np.full(60, value) for a in contenders}
        r = simulate(c, runs=60, seed=11, chronicle=False, factors=factors)
        runs.append(r)
    lo, hi = runs
    differs = not np.array_equal(lo.history.power, hi.history.power)
    choices = any(
        not np.array_equal(lo.outcomes.choices[k], hi.outcomes.choices[k])
        for k in lo.outcomes.choices
    )
    assert differs
    assert choices or trait in ("prestige", "organisation", "oratory")


def test_a_motion_is_expected_to_carry_more_often_with_more_authority(
    bolshevik_compiled: Compiled,
) -> None:
    """The same motion, as its mover sees the vote: a founder's letter behind it (more
    authority) makes him expect it to carry more often; attacking is the act, the truce
    the default."""
    c = bolshevik_compiled
    d = next(x for x in c.scenario.decisions if x.id == "trotsky.xii_congress")
    attack = next(o for o in d.options if o.id == "attack").effects
    ctx = make_context(c)
    st = ctx.st
    st.power = np.full(st.power.shape, 1.0 / st.power.shape[1])
    actor = np.full(st.runs, c.index("trotsky"), dtype=np.int64)
    seen = beliefs.believed(ctx, actor)
    bare = choice.carry_chance(ctx, attack.model_copy(update={"authority": 0.0}), actor, seen)
    backed = choice.carry_chance(ctx, attack.model_copy(update={"authority": 1.0}), actor, seen)
    assert (backed > bare).all()
    acts = [part[2] for part in choice.components(ctx, d, actor)]
    assert (acts[0] == 1).all()
    assert (acts[1] == 0).all()


def test_standing_for_a_distant_platform_outweighs_silence_for_an_inflexible_man(
    bolshevik_compiled: Compiled,
) -> None:
    """The 1923 debate: leading the opposition is worth more against silence the farther
    Trotsky's line stands from the governing line, and the more so the less flexible he
    is; on the line itself the tactic's concession is nothing (S1:17, S1:374)."""
    c = bolshevik_compiled
    d = next(x for x in c.scenario.decisions if x.id == "trotsky.new_course_1923")
    k = [o.id for o in d.options].index("leave_to_supporters")
    silent = [o.id for o in d.options].index("keep_silent")
    ctx = make_context(c)
    st = ctx.st
    t = c.index("trotsky")
    actor = np.full(st.runs, t, dtype=np.int64)

    def edge(flexibility: float) -> F:
        traits = st.traits[np.arange(st.runs), actor].copy()
        traits[:, TRAIT["flexibility"]] = flexibility
        u = choice.utilities(ctx, d, actor, traits)
        return u[:, k] - u[:, silent]

    st.position[:, t] = st.line  # on the line: nothing to stand for
    on_line = [edge(f) for f in (0.0, 1.0)]
    assert np.allclose(choice.components(ctx, d, actor)[k][3], 0.0)
    assert np.allclose(on_line[0], on_line[1])
    st.position[:, t] = np.clip(st.line + 1.0, -1.0, 1.0)  # far from it
    rigid, pliant = edge(0.0), edge(1.0)
    assert (choice.components(ctx, d, actor)[k][3] < 0).all()
    assert (rigid > pliant).all()
    assert (rigid > on_line[0]).all()
    assert np.allclose(pliant, on_line[1])


def test_a_course_silent_on_tactics_keeps_his_campaign_in_the_reckoning(
    bolshevik_compiled: Compiled,
) -> None:
    """Each option is valued by the tactic he will follow after it: its own, else the
    one he follows now. Zinoviev, already campaigning in the open in 1926, adds nothing
    by joining Trotsky 'in the open' (the gain and risk of the campaign are the same
    under both options); a man not campaigning weighs the campaign's gain and risk
    only under the option that starts it (the ban makes the risk real)."""
    c = bolshevik_compiled
    d = next(x for x in c.scenario.decisions if x.id == "zinoviev.united_opposition_1926")
    ids = [o.id for o in d.options]
    join, apart = ids.index("join_trotsky"), ids.index("keep_apart")
    ctx = make_context(c)
    st = ctx.st
    z = c.index("zinoviev")
    st.ruling[:] = False
    st.ruling[:, [c.index("stalin"), c.index("bukharin")]] = True  # both of them out of it
    st.power = compute_power(c, st, 0)
    actor = np.full(st.runs, z, dtype=np.int64)
    st.tactic[:, z] = 0
    quiet = choice.components(ctx, d, actor)
    assert (quiet[join][1] > 0).all()  # the campaign's risk under the ban
    assert np.allclose(quiet[apart][0], 0.0)
    assert np.allclose(quiet[apart][1], 0.0)
    st.tactic[:, z] = TACTIC_CODE["open"]
    campaigning = choice.components(ctx, d, actor)
    assert np.allclose(campaigning[apart][1], quiet[join][1])  # he keeps his campaign
    assert (campaigning[apart][1] > 0).all()
    # joining changes the camp (the pact's gain), not the campaign: the risk is the same
    assert np.allclose(campaigning[join][1], campaigning[apart][1])


def test_a_pact_against_a_man_wins_his_partner_not_his_camp(bolshevik_compiled: Compiled) -> None:
    """Zinoviev's offer of 1923 reached Trotsky while Zinoviev sat in Stalin's bloc. A
    pact with him against Stalin wins Zinoviev, his faction and their men, never
    Stalin's camp: Stalin stays the rival the pact is weighed against, and the gain is
    what Zinoviev's faction adds. (Until December 2026 the whole bloc, Stalin included,
    was counted into Trotsky's camp.)"""
    c = bolshevik_compiled
    d = next(x for x in c.scenario.decisions if x.id == "trotsky.zinoviev_offer_1923")
    eff = next(o for o in d.options if o.id == "accept").effects
    ctx = make_context(c)
    st = ctx.st
    t, s, z, k = (c.index(x) for x in ("trotsky", "stalin", "zinoviev", "kamenev"))
    st.ruling[:] = False
    st.ruling[:, [s, z, k, c.index("bukharin")]] = True
    st.bloc[:] = -1
    st.bloc[:, [s, z, k, c.index("bukharin")]] = s
    st.follows[:] = -1
    st.power = compute_power(c, st, 0)
    comes = choice._brings(ctx, z, s)
    assert comes[:, z].all()  # Zinoviev
    assert comes[:, k].all()  # and his faction
    assert not comes[:, s].any()
    assert not comes[:, c.index("bukharin")].any()
    # without an enemy named, an ally brings his whole side, as before
    assert choice._brings(ctx, z, -1)[:, s].all()
    a = np.full(st.runs, t, dtype=np.int64)
    seen = beliefs.believed(ctx, a)
    mine = choice.contests.side(ctx, a)
    gain, _ = choice._pact(ctx, eff, a, seen, mine)
    claim = choice.claims(ctx, seen)
    rows = np.arange(st.runs)

    def share(camp: NDArray[np.bool_]) -> NDArray[np.float64]:
        return choice.rule_share(
            claim[rows, a],
            (claim * camp).sum(axis=1),
            (seen * camp).sum(axis=1),
            choice._strongest_other(ctx, seen, camp),
            choice.spread(ctx),
        )

    partners = mine.copy()
    partners[:, [z, k]] = True
    # his share of rule with Zinoviev and Kamenev beside him, Stalin's side against him
    assert np.allclose(gain, share(partners) - share(mine))
    whole = mine | choice.contests.side(ctx, np.full(st.runs, z, dtype=np.int64))
    assert not np.allclose(gain, share(whole) - share(mine))  # the old reckoning


def test_concealment_makes_rivals_underrate_an_intriguer(bolshevik_compiled: Compiled) -> None:
    """With no noise, everyone underrates the actor with most intrigue by exactly the
    concealment term, and the misjudgement fades month by month."""
    c = bolshevik_compiled
    ctx = make_context(c)
    st = ctx.st
    st.varied["belief_noise"] = np.zeros(st.runs)
    st.varied["concealment"] = np.full(st.runs, 0.5)
    beliefs.start(ctx)
    stalin = c.index("stalin")
    intrigue = st.traits[0, stalin, TRAIT["intrigue"]]
    others = [i for i in range(len(c.actors)) if i != stalin]
    assert np.allclose(st.misjudge[:, others, stalin], -0.5 * intrigue)
    assert np.allclose(st.misjudge[:, stalin, stalin], 0.0)
    st.power = np.full(st.power.shape, 1.0 / st.power.shape[1])
    trotsky = np.full(st.runs, c.index("trotsky"), dtype=np.int64)
    assert (beliefs.believed(ctx, trotsky)[:, stalin] < st.power[:, stalin]).all()
    before = st.misjudge.copy()
    beliefs.monthly(ctx)
    assert (np.abs(st.misjudge) <= np.abs(before)).all()
    beliefs.reveal(ctx, np.arange(st.runs), np.full(st.runs, stalin))
    assert np.allclose(st.misjudge[:, :, stalin], 0.0)


def test_rivalry_grows_between_strong_equals_and_not_between_partners(
    bolshevik_compiled: Compiled,
) -> None:
    """Once the founder is gone, two evenly matched strong contenders come to resent
    each other; a pact keeps partners free of it."""
    c = bolshevik_compiled
    ctx = make_context(c, runs=2)
    st = ctx.st
    st.active[:, c.founder] = False
    st.misjudge[:] = 0.0
    st.enmity[:] = 0.0
    a, b, w = c.index("zinoviev"), c.index("kamenev"), c.index("bukharin")
    st.power = np.full(st.power.shape, 0.01)
    st.power[:, [a, b]] = 0.4
    st.pact_until[1, a, b] = st.pact_until[1, b, a] = 99
    rivalry.monthly(ctx)
    assert st.enmity[0, a, b] > st.enmity[0, a, w] > 0.0
    assert st.enmity[1, a, b] == 0.0


def test_only_full_cc_members_hold_a_seat_of_their_own(bolshevik_compiled: Compiled) -> None:
    """An actor the congresses have yet to elect (``cc: false``) votes in the CC only
    through clients; a congress that follows the rulers' list seats their followers."""
    from apparat.engine.mechanisms import circular_flow
    from apparat.engine.mechanisms.power import cc_share

    c = bolshevik_compiled
    ctx = make_context(c, runs=2)
    st = ctx.st
    k = c.index("kaganovich")
    assert not st.in_cc[:, k].any()
    base = cc_share(c, st)[:, k]
    st.in_cc[:, k] = True
    assert (cc_share(c, st)[:, k] > base).all()
    st.in_cc[:, k] = False
    stalin = c.index("stalin")
    st.ruling[:] = False
    st.ruling[:, stalin] = True
    st.follows[:, k] = stalin
    st.holder[:, :] = np.where(st.holder >= 0, stalin, st.holder)  # his men steer delegates
    st.secretaries[:] = stalin
    st.mark_secretaries()
    circular_flow.elect_cc(ctx, 60)
    assert st.in_cc[:, k].all()


def test_the_shared_softmax_draw_never_picks_an_option_worth_nothing() -> None:
    """valuation.softmax gives an option worth -inf probability 0, and valuation.pick
    never draws it, even with a uniform at the very top of [0, 1) where rounding could
    carry the cumulative sum past the last live option."""
    import numpy as np

    from apparat.engine import valuation

    util = np.array([[0.1, 0.1, -np.inf], [0.0, -np.inf, -np.inf], [0.3, 0.0, 0.0]])
    prob = valuation.softmax(util, 0.05)
    assert prob[0, 2] == 0.0
    assert prob[1, 1:].sum() == 0.0
    assert np.allclose(prob.sum(axis=1), 1.0)
    assert prob[2, 0] > 0.99  # six temperatures apart: nearly sure
    top = np.nextafter(1.0, 0.0)
    assert valuation.pick(prob, np.array([top, top, top])).tolist() == [1, 0, 2]
    assert valuation.pick(prob, np.array([0.0, 0.5, 0.0])).tolist() == [0, 0, 0]
