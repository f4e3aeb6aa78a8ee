"""The rules of a regime are scenario data: each rule, switched alone in a synthetic
scenario (tests/data/synthetic_rules.yaml), changes what it should and nothing it should
not. Known answers: force arrests and executes without a vote only where the rules let
it; a larger body overturns a smaller one's motion only where an appeal is allowed; a
follower is purged only where anyone may be targeted; rivals rule together only where
their enmity is bearable."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import apparat
from apparat.engine import simulate
from apparat.engine.simulate import SimulationResult
from apparat.errors import ScenarioError
from apparat.policies import ForcedChoice
from apparat.scenario.models import Scenario

DATA = Path(__file__).parents[1] / "data" / "synthetic_rules.yaml"
ORGANISE = {"clara.organise": "open", "dmitri.organise": "open"}


def base() -> dict[str, Any]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def load(data: dict[str, Any], tmp_path: Path) -> Scenario:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return apparat.load_scenario(path)


def run(s: Scenario, runs: int = 60, forced: dict[str, str] | None = None) -> SimulationResult:
    policy = ForcedChoice(s, forced if forced is not None else ORGANISE)
    return simulate(s, runs=runs, seed=3, policy_=policy, chronicle=False)


def level(res: SimulationResult, actor: str) -> np.ndarray:
    c = res.compiled
    return res.outcomes.final_sanction[:, c.index(actor)]


def sanction_id(res: SimulationResult, name: str) -> int:
    return res.compiled.sanctions.index(name)


def without_force(data: dict[str, Any]) -> dict[str, Any]:
    rules = data["rules"]
    rules["sanctions"] = [s for s in rules["sanctions"] if "force" not in s["imposed_by"]]
    rules["force"]["arrest"] = False
    return data


def test_force_arrests_and_executes_without_a_vote(tmp_path: Path) -> None:
    """With the guard on the rulers' side and arrest allowed, the organised rivals are
    arrested and then executed in every run; with arrest not allowed, no one is."""
    res = run(load(base(), tmp_path))
    executed = sanction_id(res, "executed")
    for who in ("clara", "dmitri"):
        assert (level(res, who) == executed).all()
        assert res.outcomes.died[:, res.compiled.index(who)].all()
    calm = run(load(without_force(base()), tmp_path / "calm"))
    assert not calm.outcomes.died.any()
    assert (level(calm, "clara") < calm.compiled.sanctions.top + 1).all()
    assert "arrested" not in calm.compiled.sanctions.names


def test_arrest_needs_the_force_offices(tmp_path: Path) -> None:
    """Force strikes only for the side that holds the force offices: hand the guard to
    Clara and the rulers never arrest her."""
    data = base()
    guard = next(o for o in data["offices"] if o["id"] == "guard")
    guard["holder"] = "clara"
    res = run(load(data, tmp_path))
    arrested = sanction_id(res, "arrested")
    assert (level(res, "clara") < arrested).all()


def test_a_quiet_rival_is_left_alone(tmp_path: Path) -> None:
    """Only hostility is struck: rivals who keep quiet are arrested in far fewer runs
    (only where a later split turns them hostile) than rivals who organise (all)."""
    quiet = {"clara.organise": "quiet", "dmitri.organise": "quiet"}
    res = run(load(base(), tmp_path), forced=quiet)
    arrested = sanction_id(res, "arrested")
    assert (level(res, "clara") >= arrested).mean() < 0.5


def appeal_world(tmp_path: Path, appeals: bool) -> SimulationResult:
    """Anna's side holds the executive; the CC is beholden to Clara; the executive may
    dismiss, and (where allowed) its motions go on appeal to the CC."""
    data = without_force(base())
    data["bodies"][2]["members"] = ["anna", "boris", "clara"]
    data["bodies"][2]["seats"] = 3
    data["party"]["central_committee"]["patrons"] = {"clara": 0.7, "anna": 0.1}
    data["rules"]["appeals"] = (
        [{"from": "executive", "to": "plenum", "cite": "R1 p. 9"}] if appeals else []
    )
    return run(load(data, tmp_path / str(appeals)))


def test_a_larger_body_overturns_the_executive_only_on_appeal(tmp_path: Path) -> None:
    """Without an appeal the executive's majority sanctions Clara in most runs; with an
    appeal to a CC she holds, it never can."""
    without = appeal_world(tmp_path, appeals=False)
    with_appeal = appeal_world(tmp_path, appeals=True)
    assert (level(without, "clara") > 0).mean() > 0.5
    assert (level(with_appeal, "clara") == 0).all()


def test_second_rank_is_purged_only_where_anyone_may_be_targeted(tmp_path: Path) -> None:
    """Egor follows the rivals: struck with them when the rules target everyone, never
    when only contenders can be targeted."""
    data = base()
    data["rules"]["targets"] = "everyone"
    everyone = run(load(data, tmp_path / "everyone"))
    contenders = run(load(base(), tmp_path / "contenders"))
    assert (level(everyone, "egor") > 0).mean() > 0.5
    assert (level(contenders, "egor") == 0).all()


def test_rivals_rule_together_only_where_their_enmity_is_bearable(tmp_path: Path) -> None:
    """Mutual deterrence: where the rules say rivals deter each other and the parameters
    let a coalition bear its friction, the four rule together from the start; with the
    Bolshevik values, or without deterrence, the enemies split at once."""

    def ruling_together(bearable: float, collective: bool = True) -> float:
        data = base()
        data["parameters"] = {
            name: {"value": bearable, "cite": "R1 p. 9"}
            for name in ("bearable_enmity", "split_tension")
        }
        data["parameters"]["enmity_weight"] = {"value": 0.3, "cite": "R1 p. 9"}
        data["rules"]["collective"] = collective
        res = run(load(data, tmp_path / str(bearable)), forced={})
        ruling = res.history.ruling[:, 0, :4]
        return float(ruling.all(axis=1).mean())

    assert ruling_together(0.6) == 1.0
    assert ruling_together(0.15) == 0.0
    assert ruling_together(0.6, collective=False) == 0.0  # without deterrence, AES splits it


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda r: r["sanctions"][4].update(requires="tried"),
            r"sanction 'executed' requires 'tried', which is not in the repertoire",
        ),
        (
            lambda r: r.update(appeals=[{"from": "plenum", "to": "plenum", "cite": "R1 p. 9"}]),
            r"a body cannot overturn itself",
        ),
        (
            lambda r: r["force"].update(offices=["archive"]),
            r"unknown office 'archive'",
        ),
        (
            lambda r: r["force"].update(offices=["planning", "guard"]) or None,
            None,
        ),
    ],
)
def test_bad_rules_are_refused_with_file_and_line(
    edit: Any, message: str | None, tmp_path: Path
) -> None:
    """A prerequisite that never exists, a body that overturns itself, an office that
    does not exist: each is refused where it is written."""
    data = base()
    edit(data["rules"])
    if message is None:
        load(data, tmp_path)  # a valid variant loads
        return
    with pytest.raises(ScenarioError, match=r"scenario\.yaml:\d+: rules") as info:
        load(data, tmp_path)
    assert re.search(message, str(info.value))


def test_a_force_office_with_no_holder_is_refused(tmp_path: Path) -> None:
    """No one would command a force office that nobody holds."""
    data = base()
    data["offices"][1].pop("holder")
    with pytest.raises(ScenarioError, match=r"force office 'guard' has no holder"):
        load(data, tmp_path)


def test_engine_names_no_actor_office_or_year_of_a_bundled_scenario() -> None:
    """The engine's code is general: no id of a bundled scenario's actors, offices or
    bodies, and no year of its calendar, appears in it."""
    engine = Path(apparat.__file__).parent / "engine"
    words: set[str] = set()
    numbers: set[object] = set()
    for path in engine.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Name | ast.arg | ast.Attribute):
                words.add(getattr(node, "id", None) or getattr(node, "arg", None) or node.attr)
            elif isinstance(node, ast.Constant) and id(node) not in docs:
                if isinstance(node.value, str):
                    words |= set(re.findall(r"[a-z_]+", node.value))
                    numbers |= set(re.findall(r"\d{4}", node.value))
                elif isinstance(node.value, int):
                    numbers.add(str(node.value))
    for name in apparat.scenario.bundled_scenarios():
        s = apparat.load_scenario(name)
        ids = {a.id for a in s.actors} | {o.id for o in s.offices} | {b.id for b in s.bodies}
        ids -= {"congress", "central_committee"}  # the engine's own role names
        assert not ids & words, f"{name}: the engine names {sorted(ids & words)}"
        years = {e.date[:4] for e in s.calendar}
        assert not years & numbers, f"{name}: the engine names the years {years & numbers}"


def world(s: Scenario, month: int = 0) -> Any:
    """A context over one run at the start: the rules' mechanisms can be called on it."""
    from apparat.engine.chronicle import Chronicle
    from apparat.engine.compiled import compile_scenario
    from apparat.engine.context import Context
    from apparat.engine.mechanisms.power import compute_power
    from apparat.engine.random import Streams
    from apparat.engine.state import initial_state

    c = compile_scenario(s)
    st = initial_state(c, 1)
    st.month = month
    st.power = compute_power(c, st, month)
    idx = np.arange(1)
    return Context(c=c, st=st, rng=Streams(3, idx), log=Chronicle(idx, np.zeros(1, bool)))


@pytest.mark.parametrize("against", ["hostile", "challengers"])
def test_force_strikes_a_rival_with_a_grievance_only_where_the_rules_say(
    against: str, tmp_path: Path
) -> None:
    """Clara, dropped by the rulers (a grievance) but challenging no one, is arrested by
    force where it strikes any hostile rival, and left to the bodies' votes where it
    strikes only challengers; once she challenges in the open, force strikes her too."""
    from apparat.engine.mechanisms import contests

    data = base()
    data["rules"]["force"]["against"] = against
    ctx = world(load(data, tmp_path), month=12)
    c, st = ctx.c, ctx.st
    anna, _boris, clara = (c.index(x) for x in ("anna", "boris", "clara"))
    rule(ctx, "anna", "boris")
    st.betrayal[0, clara, anna] = 0.5
    contests.meeting(ctx, "force")
    arrested = c.sanctions.index("arrested")
    assert (st.sanction[0, clara] >= arrested) == (against == "hostile")
    st.tactic[0, clara] = 1  # an open platform
    contests.meeting(ctx, "force")
    assert st.sanction[0, clara] >= arrested


def test_a_sanction_tied_to_a_named_session_waits_for_it(tmp_path: Path) -> None:
    """Expulsion allowed only at the 1963 plenum (a body that sits once): the 1960 plenum
    takes the organised Clara as far as dismissal and stops; the 1963 plenum expels her.
    Without the restriction the 1960 plenum expels her at once."""
    from apparat.engine.mechanisms import contests

    def after(only_at: list[str], sessions: list[str]) -> int:
        data = base()
        data["rules"]["sanctions"][2]["only_at"] = only_at
        ctx = ruled_world(load(data, tmp_path / "-".join(only_at or ["free"])))
        clara = ctx.c.index("clara")
        for event in sessions:
            ctx.st.last_step[:] = -99
            contests.meeting(ctx, "plenum", event)
        return int(ctx.st.sanction[0, clara])

    rep = compile_base(tmp_path).sanctions
    expelled, dismissed = rep.index("expelled"), rep.index("dismissed")
    assert after([], ["plenum_1960"]) == expelled
    assert after(["plenum_1963"], ["plenum_1960"]) == dismissed
    assert after(["plenum_1963"], ["plenum_1960", "plenum_1963"]) == expelled


def compile_base(tmp_path: Path) -> Any:
    from apparat.engine.compiled import compile_scenario

    return compile_scenario(load(base(), tmp_path / "compiled"))


def ruled_world(s: Scenario) -> Any:
    """Anna and Boris rule; Clara, left out, has an open platform against them."""
    ctx = world(s, month=12)
    rule(ctx, "anna", "boris")
    ctx.st.tactic[0, ctx.c.index("clara")] = 1
    return ctx


def rule(ctx: Any, *names: str) -> None:
    """Make ``names`` the ruling coalition (one bloc under its strongest member)."""
    c, st = ctx.c, ctx.st
    who = [c.index(x) for x in names]
    st.last_step[:] = -99
    st.ruling[0, who] = True
    st.bloc[0, who] = who[int(np.argmax(st.power[0, who]))]


@pytest.mark.parametrize(
    ("event", "message"),
    [("plenum_2099", r"unknown event 'plenum_2099'"), ("congress_1962", r"may not impose")],
)
def test_a_named_session_must_exist_and_be_able_to_impose_it(
    event: str, message: str, tmp_path: Path
) -> None:
    """An unknown session, or one of a kind the sanction's rule does not allow, is
    refused where it is written."""
    data = base()
    data["rules"]["sanctions"][3]["only_at"] = [event]  # arrested: by force only
    with pytest.raises(ScenarioError, match=message):
        load(data, tmp_path)


def test_an_office_held_ex_officio_goes_with_its_office(tmp_path: Path) -> None:
    """A vacant command held ex officio with the First Secretary's post goes to Anna in
    every run; an office may not be held ex officio with itself."""
    data = base()
    data["offices"].append(
        {"id": "army", "name": "Army", "ex_officio": "first_secretary", "force": 0.2,
         "cite": "R1 p. 4"}
    )  # fmt: skip
    res = run(load(data, tmp_path / "ok"), runs=10)
    c = res.compiled
    assert (res.history.holder[:, 0, c.offices.index("army")] == c.index("anna")).all()
    data["offices"][-1]["ex_officio"] = "army"
    with pytest.raises(ScenarioError, match=r"cannot name itself"):
        load(data, tmp_path / "self")


def test_a_plenum_may_resize_the_executive(tmp_path: Path) -> None:
    """A plenum that sets the executive at three seats leaves three members from that
    month on, where the scenario's plenums otherwise keep five."""
    from apparat.engine.compiled import month_index

    data = without_force(base())
    data["calendar"][0]["executive_seats"] = 3
    res = run(load(data, tmp_path), runs=20, forced={})
    m = month_index(res.compiled.start, "1960-06")
    seated = (res.history.executive & res.history.prestige.astype(bool)).sum(axis=2)
    assert (seated[:, :m] == 5).all()
    assert (res.history.executive[:, m:].sum(axis=2) <= 3).all()


def test_rehabilitation_frees_a_detained_friend(tmp_path: Path) -> None:
    """Egor starts under arrest; where the rules allow rehabilitation and arrest can be
    lifted, a plenum of the rulers he follows frees him (he acts again); where it
    cannot be lifted he stays held."""
    data = base()
    data["rules"]["rehabilitation"] = True
    egor = next(a for a in data["actors"] if a["id"] == "egor")
    egor["sanction"] = "arrested"
    data["rules"]["sanctions"][3]["reversal"] = "rehabilitation"
    freed = run(load(data, tmp_path / "freed"))
    c = freed.compiled
    arrested = c.sanctions.index("arrested")
    e = c.index("egor")
    assert (freed.history.sanction[:, 0, e] >= arrested).all()
    assert (freed.outcomes.final_sanction[:, e] < arrested).mean() > 0.5
    data["rules"]["sanctions"][3]["reversal"] = "none"
    held = run(load(data, tmp_path / "held"))
    assert (held.outcomes.final_sanction[:, e] >= arrested).all()


def test_a_collective_split_drops_only_whom_the_others_cannot_bear(tmp_path: Path) -> None:
    """Under collective leadership four rivals with no grudges rule together. Give Anna a
    sworn enmity for Dmitri (a pragmatist, bound to no faction) and the leadership keeps
    three of the four: one of the two enemies goes, never both, and Boris and Clara stay.
    Without collective leadership the line of greatest friction often cuts deeper."""

    def ruling(grudge: bool, collective: bool = True) -> np.ndarray:
        data = base()
        data["parameters"] = {
            "bearable_enmity": {"value": 0.6, "cite": "R1 p. 9"},
            "enmity_weight": {"value": 1.0, "cite": "R1 p. 9"},
        }
        data["rules"]["collective"] = collective
        for actor in data["actors"]:
            actor.pop("enmities", None)
            if actor["id"] == "dmitri":
                actor["traits"] = {
                    **actor["traits"],
                    "flexibility": {"value": 1.0, "cite": "R1 p. 1"},
                }
            if actor["id"] == "anna" and grudge:
                actor["enmities"] = [{"with": "dmitri", "strength": 1.0, "cite": "R1 p. 2"}]
        name = f"{grudge}-{collective}"
        res = run(load(data, tmp_path / name), forced={})
        c = res.compiled
        return res.history.ruling[:, 0, [c.index(x) for x in ("anna", "boris", "clara", "dmitri")]]

    assert ruling(grudge=False).all()
    split = ruling(grudge=True)
    assert split[:, 1:3].all()
    assert (split[:, 0] ^ split[:, 3]).all()
    # without it, the line of greatest friction often cuts away more than the enemy
    assert (ruling(grudge=True, collective=False).sum(axis=1) < 3).mean() > 0.2
