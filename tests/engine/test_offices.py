"""Who comes to hold an office: careers, creation dates, incompatible offices, power
bases and removals, each switched alone in the synthetic scenario
(tests/data/synthetic_rules.yaml) with a sixth actor, Fedor, a follower like Egor."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_rules import base, load, rule, world

from apparat.engine.mechanisms import circular_flow
from apparat.errors import ScenarioError


def with_fedor(**office_fields: Any) -> dict[str, Any]:
    """The synthetic scenario with Fedor, a follower whom the police career qualifies,
    and the fields given set on the guard post."""
    data = base()
    fedor = copy.deepcopy(next(a for a in data["actors"] if a["id"] == "egor"))
    fedor.update(id="fedor", name="Fedor")
    fedor["careers"] = [{"id": "police", "cite": "R1 p. 1"}]
    data["actors"].append(fedor)
    guard = next(o for o in data["offices"] if o["id"] == "guard")
    guard.update(office_fields)
    return data


def office(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(o for o in data["offices"] if o["id"] == name)


def ruled(data: dict[str, Any], tmp_path: Path, *rulers: str, month: int = 12) -> Any:
    """Anna's side rules (with ``rulers``); Egor and Fedor follow Anna; Egor, the
    stronger, would be the rulers' first choice for anything."""
    ctx = world(load(data, tmp_path), month=month)
    rule(ctx, "anna", *rulers)
    c, st = ctx.c, ctx.st
    for who in ("egor", "fedor"):
        st.follows[0, c.index(who)] = c.index("anna")
    st.power[0, c.index("egor")] = st.power[0, c.index("fedor")] + 0.3
    return ctx


def holder(ctx: Any, name: str) -> str:
    h = int(ctx.st.holder[0, ctx.c.offices.index(name)])
    return ctx.c.actors[h] if h >= 0 else "-"


def vacate(ctx: Any, name: str) -> None:
    ctx.st.holder[0, ctx.c.offices.index(name)] = -1


def test_an_office_that_calls_for_a_career_goes_to_a_qualified_follower(tmp_path: Path) -> None:
    """The guard requires the police career: Fedor, who has it, takes it over Egor, the
    stronger; without the requirement Egor takes it."""
    ctx = ruled(with_fedor(requires=["police"]), tmp_path / "req")
    vacate(ctx, "guard")
    vacate(ctx, "region")  # Egor holds nothing, so only the career tells them apart
    circular_flow.fill_offices(ctx)
    assert holder(ctx, "guard") == "fedor"
    free = ruled(with_fedor(), tmp_path / "free")
    vacate(free, "guard")
    vacate(free, "region")
    circular_flow.fill_offices(free)
    assert holder(free, "guard") == "egor"


@pytest.mark.parametrize(("unqualified", "expected"), [("any", "egor"), ("none", "-")])
def test_without_a_qualified_candidate_the_fallback_decides(
    unqualified: str, expected: str, tmp_path: Path
) -> None:
    """When Fedor, the only qualified man, is out of the ruling side, the guard goes by
    the usual rule ('any') or stays with no modelled holder ('none')."""
    data = with_fedor(requires=["police"], unqualified=unqualified)
    ctx = ruled(data, tmp_path)
    ctx.st.follows[0, ctx.c.index("fedor")] = ctx.c.index("clara")
    vacate(ctx, "guard")
    vacate(ctx, "region")
    circular_flow.fill_offices(ctx)
    assert holder(ctx, "guard") == expected


def test_an_office_created_at_a_session_stays_vacant_until_then(tmp_path: Path) -> None:
    """A post created by the June 1961 plenum is not filled in January 1961, and is at
    the plenum's month."""
    data = with_fedor()
    data["offices"].append(
        {"id": "control", "name": "Control", "from": "plenum_1961", "surveillance": 0.2,
         "cite": "R1 p. 4"}
    )  # fmt: skip
    early = ruled(data, tmp_path / "early", month=12)
    circular_flow.fill_offices(early)
    assert holder(early, "control") == "-"
    due = ruled(data, tmp_path / "due", month=17)
    circular_flow.fill_offices(due)
    assert holder(due, "control") != "-"


def test_who_takes_an_incompatible_office_gives_up_the_other(tmp_path: Path) -> None:
    """Planning cannot go with the region: Egor, the only one left who can serve, takes
    planning and gives up the region, which no one else can then fill."""
    data = with_fedor()
    office(data, "planning")["incompatible"] = ["region"]
    ctx = ruled(data, tmp_path)
    st, c = ctx.st, ctx.c
    for who in ("anna", "boris", "clara", "dmitri", "fedor"):
        st.active[0, c.index(who)] = False
    vacate(ctx, "planning")
    circular_flow.fill_offices(ctx)
    assert holder(ctx, "planning") == "egor"
    assert holder(ctx, "region") == "-"


def test_a_holder_of_an_incompatible_office_is_passed_over(tmp_path: Path) -> None:
    """Where Fedor can serve, Egor, who would have to give up the region, is passed over
    for planning; with no incompatibility Egor, the stronger, takes it."""
    data = with_fedor()
    office(data, "planning")["incompatible"] = ["region"]
    ctx = ruled(data, tmp_path / "clash")
    vacate(ctx, "planning")
    circular_flow.fill_offices(ctx)
    assert (holder(ctx, "planning"), holder(ctx, "region")) == ("fedor", "egor")
    free = ruled(with_fedor(), tmp_path / "free")
    free.st.power[0, free.c.index("egor")] += 1.0  # outweighs the region he holds
    vacate(free, "planning")
    circular_flow.fill_offices(free)
    assert holder(free, "planning") == "egor"


def test_an_office_incompatible_with_the_cc_takes_its_holder_out(tmp_path: Path) -> None:
    """An office incompatible with the CC passes over the executive's members (Egor
    sits there, Fedor not) and takes its holder's own CC seat."""
    data = with_fedor()
    office(data, "planning")["incompatible"] = ["cc"]
    ctx = ruled(data, tmp_path)
    st, c = ctx.st, ctx.c
    vacate(ctx, "planning")
    vacate(ctx, "region")
    st.in_cc[0, c.index("fedor")] = True
    st.executive[0, c.index("fedor")] = False
    circular_flow.fill_offices(ctx)
    assert holder(ctx, "planning") == "fedor"
    assert not st.in_cc[0, c.index("fedor")]
    assert st.in_cc[0, c.index("egor")]


@pytest.mark.parametrize(("is_base", "expected"), [(True, "egor"), (False, "boris")])
def test_partners_deny_each_other_a_power_base(
    is_base: bool, expected: str, tmp_path: Path
) -> None:
    """Anna and Boris rule together; Boris is the strongest candidate for the vacant
    guard. As a power base it goes to a follower (Egor) instead; as a plain post, to him."""
    ctx = ruled(with_fedor(base=is_base), tmp_path, "boris")
    st, c = ctx.st, ctx.c
    st.power[0, c.index("boris")] = st.power[0].max() + 1.0
    vacate(ctx, "guard")
    vacate(ctx, "region")
    circular_flow.fill_offices(ctx)
    assert holder(ctx, "guard") == expected


@pytest.mark.parametrize(
    ("force", "hidden", "expected"),
    [(1.0, False, "fedor"), (0.0, False, "egor"), (1.0, True, "egor")],
)
def test_partners_deny_the_force_to_the_one_they_believe_strongest(
    force: float, hidden: bool, expected: str, tmp_path: Path
) -> None:
    """Anna and Boris rule; Anna is the stronger. Egor (Anna's man, the stronger
    candidate) and Fedor (Boris's) may fill the vacant guard, a power base. Commanding
    force, it goes to Fedor, a compromise: Boris will not let Anna's man hold the force.
    Without force it goes to Egor. Where Boris underrates Anna (she hides her hand) and
    Anna sees Boris as he is, she looks the weaker to her partner, and Egor takes it."""
    data = with_fedor(base=True, force=force)
    ctx = ruled(data, tmp_path, "boris")
    st, c = ctx.st, ctx.c
    anna, boris = c.index("anna"), c.index("boris")
    st.follows[0, c.index("fedor")] = boris
    st.power[0, anna] = st.power[0].max() + 0.5
    st.misjudge[0] = 0.0
    if hidden:
        st.misjudge[0, boris, anna] = -5.0
    vacate(ctx, "guard")
    vacate(ctx, "region")
    circular_flow.fill_offices(ctx)
    assert holder(ctx, "guard") == expected


def test_a_sweep_that_disarms_the_base_lifts_the_compromise(tmp_path: Path) -> None:
    """Whether the base commands force is read per run: where a sweep sets the guard's
    force to 0 (the scenario gives it 1), the stronger candidate, Egor, takes it."""
    ctx = ruled(with_fedor(base=True, force=1.0), tmp_path, "boris")
    st, c = ctx.st, ctx.c
    st.follows[0, c.index("fedor")] = c.index("boris")
    st.power[0, c.index("anna")] = st.power[0].max() + 0.5
    st.misjudge[0] = 0.0
    force = c.force[None, :].copy()
    force[0, c.offices.index("guard")] = 0.0
    st.resources["force"] = force
    vacate(ctx, "guard")
    vacate(ctx, "region")
    circular_flow.fill_offices(ctx)
    assert holder(ctx, "guard") == "egor"


def test_a_lone_leader_may_take_a_power_base(tmp_path: Path) -> None:
    """Where one leader rules alone there is no partner to deny him: the strongest
    candidate, Anna herself made the strongest, takes the vacant base."""
    ctx = ruled(with_fedor(base=True), tmp_path)
    st, c = ctx.st, ctx.c
    st.power[0, c.index("anna")] = st.power[0].max() + 2.0
    vacate(ctx, "guard")
    circular_flow.fill_offices(ctx)
    assert holder(ctx, "guard") == "anna"


@pytest.mark.parametrize(("mover", "expected"), [("boris", "boris"), (None, "clara")])
def test_removal_bars_the_removed_and_his_followers_not_his_allies(
    mover: str | None, expected: str, tmp_path: Path
) -> None:
    """Anna and Boris rule; Boris moves Anna out of the first secretaryship. Her side is
    passed as barred; with the mover known only she and her followers (Egor, Fedor) are
    kept out, and Boris, her ally who moved it, takes the post, not Clara of the
    opposition; without a mover her whole side is kept out and Clara takes it."""
    ctx = ruled(with_fedor(), tmp_path, "boris")
    st, c = ctx.st, ctx.c
    st.power[0, c.index("clara")] = st.power[0].max() + 0.5  # the opposition's strongest
    o = c.offices.index("first_secretary")
    st.holder[0, o] = -1
    rows = np.array([0])
    removed = np.array([c.index("anna")])
    barred = np.zeros((1, len(c.actors)), dtype=bool)
    for who in ("anna", "boris", "egor", "fedor"):
        barred[0, c.index(who)] = True
    moved = None if mover is None else np.array([c.index(mover)])
    circular_flow.replace_holder(ctx, rows, o, removed, barred, moved)
    assert holder(ctx, "first_secretary") == expected


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: office(d, "guard").update(requires=["spy"]), r"no actor has the career 'spy'"),
        (lambda d: office(d, "guard").update({"from": "plenum_2099", "holder": None}),
         r"unknown calendar event 'plenum_2099'"),
        (lambda d: office(d, "guard").update({"from": "1970-01", "holder": None}),
         r"1970-01 is outside the scenario"),
        (lambda d: office(d, "guard").update({"from": "plenum_1961"}),
         r"cannot have a holder at the start"),
        (lambda d: office(d, "guard").update({"from": "next year!", "holder": None}),
         r"neither a month \(YYYY-MM\) nor a calendar event id"),
        (lambda d: office(d, "guard").update(unqualified="none"), r"'unqualified' needs 'requires'"),
        (lambda d: office(d, "guard").update(unqualified="maybe"), r"unqualified"),
        (lambda d: office(d, "guard").update(incompatible=["attic"]),
         r"unknown office or seat-holding body 'attic'"),
        (lambda d: office(d, "guard").update(incompatible=["guard"]),
         r"cannot be incompatible with itself"),
        (lambda d: office(d, "guard").update(incompatible=["first_secretary"], holder="anna"),
         r"'anna' starts holding both 'guard' and 'first_secretary'"),
    ],
)  # fmt: skip
def test_the_loader_refuses_bad_office_fields(change: Any, message: str, tmp_path: Path) -> None:
    """Each bad value of the office fields is refused with a message naming it."""
    data = with_fedor()
    change(data)
    with pytest.raises(ScenarioError, match=message):
        load(data, tmp_path)


def test_a_career_left_to_outsiders_needs_no_actor(tmp_path: Path) -> None:
    """A career no actor has is accepted where the office is left to professionals the
    scenario does not model (unqualified: none)."""
    data = with_fedor(requires=["spy"], unqualified="none")
    assert load(data, tmp_path).offices[1].requires == ["spy"]


def test_an_office_held_ex_officio_waits_for_its_office_and_goes_with_it(tmp_path: Path) -> None:
    """With the planning office held ex officio with the guard, both vacant, planning
    goes to whoever takes the guard; without the tie it goes to someone else."""
    tied = with_fedor()
    office(tied, "planning")["ex_officio"] = "guard"
    for data, sub in ((tied, "tied"), (with_fedor(), "free")):
        ctx = ruled(data, tmp_path / sub)
        vacate(ctx, "guard")
        vacate(ctx, "planning")
        circular_flow.fill_offices(ctx)
        same = holder(ctx, "planning") == holder(ctx, "guard") != "-"
        assert same is (sub == "tied")


def seated(ctx: Any) -> set[str]:
    return {ctx.c.actors[i] for i in np.flatnonzero(ctx.st.executive[0])}


def test_under_co_opt_sessions_an_empty_seat_waits_for_the_cc(tmp_path: Path) -> None:
    """With ``co_opt: sessions`` a seat left empty is not filled by the month's co-option
    nor by the executive's own meeting, only when a plenum sits; by default at once."""
    data = with_fedor()
    data["rules"]["co_opt"] = "sessions"
    ctx = ruled(data, tmp_path / "sessions")
    ctx.st.executive[0, ctx.c.index("dmitri")] = False
    circular_flow.fill_executive(ctx, "test")
    circular_flow.fill_executive(ctx, "test", "executive")
    assert len(seated(ctx)) == 4
    circular_flow.fill_executive(ctx, "test", "plenum")
    assert len(seated(ctx)) == 5
    monthly = ruled(with_fedor(), tmp_path / "monthly")
    monthly.st.executive[0, monthly.c.index("dmitri")] = False
    circular_flow.fill_executive(monthly, "test")
    assert len(seated(monthly)) == 5


def test_a_candidate_member_of_the_ruling_side_is_promoted_first(tmp_path: Path) -> None:
    """Fedor, a candidate member (the bench) following Anna, takes the empty seat over
    Dmitri, a stronger ruler; once he follows Clara, out of the ruling side, the bench does
    not count and the seat goes as it would without one."""
    plain = ruled(with_fedor(), tmp_path / "plain", "dmitri")
    plain.st.executive[0, plain.c.index("dmitri")] = False
    plain.st.power[0, plain.c.index("dmitri")] += 1.0
    circular_flow.fill_executive(plain, "test")
    assert "dmitri" in seated(plain)
    data = with_fedor()
    next(b for b in data["bodies"] if b["id"] == "presidium")["candidates"] = ["fedor"]
    for follows, expected in (("anna", "fedor"), ("clara", "dmitri")):
        ctx = ruled(data, tmp_path / follows, "dmitri")
        ctx.st.executive[0, ctx.c.index("dmitri")] = False
        ctx.st.power[0, ctx.c.index("dmitri")] += 1.0
        ctx.st.follows[0, ctx.c.index("fedor")] = ctx.c.index(follows)
        circular_flow.fill_executive(ctx, "test")
        assert expected in seated(ctx)
        assert not ctx.st.bench[0, ctx.c.index("fedor")] or expected != "fedor"


def test_an_appointment_among_men_of_like_standing_is_a_draw(tmp_path: Path) -> None:
    """The appointer's choice follows the one choice rule: between Egor and Fedor of
    equal standing each is named in about half of the months; a clear gap in standing
    (0.3, six times the decision temperature) decides nearly always; a man scored out
    is never named."""
    from apparat.engine.mechanisms import succession

    ctx = ruled(with_fedor(), tmp_path)
    c = ctx.c
    e, f = c.index("egor"), c.index("fedor")
    rows = np.arange(1)
    guard = c.offices.index("guard")

    def named(gap: float) -> list[int]:
        out = []
        for month in range(400):
            ctx.st.month = month
            score = np.full((1, len(c.actors)), -np.inf)
            score[0, e], score[0, f] = 1.0 + gap, 1.0
            out.append(int(succession.choose_holder(ctx, score, rows, guard)[0]))
        return out

    even = named(0.0)
    assert set(even) == {e, f}
    assert 0.4 < even.count(e) / len(even) < 0.6
    assert named(0.3).count(e) / 400 > 0.97
