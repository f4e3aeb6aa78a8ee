"""The grounds a sanction needs (rules ``grounds: illegal_work``), a rung that strikes
again for the next office (``repeat``), and who an open faction holds together: on the
synthetic rules of tests/data, where Anna and Boris rule and Clara opposes them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.engine.test_rules import base, load, rule, ruled_world, world

from apparat.engine import recantation
from apparat.engine.mechanisms import coalitions, contests, opposition
from apparat.errors import ScenarioError


def sessions(ctx: Any, count: int) -> int:
    """Clara's level after ``count`` plenums, each one long enough after the last."""
    clara = ctx.c.index("clara")
    for _ in range(count):
        ctx.st.last_step[:] = -99
        contests.meeting(ctx, "plenum", "plenum_1960")
    return int(ctx.st.sanction[0, clara])


def illegal_rules(tmp_path: Path) -> Any:
    data = base()
    data["rules"]["sanctions"][2]["grounds"] = "illegal_work"  # expelled
    return load(data, tmp_path)


def test_expulsion_waits_for_illegal_work(tmp_path: Path) -> None:
    """Where expulsion needs illegal work, Clara's open platform takes her as far as
    dismissal, plenum after plenum, and no further; once a member of her bloc works
    underground, the next plenum expels her. Without the grounds it expels her at once."""
    free = ruled_world(load(base(), tmp_path / "free"))
    expelled = free.c.sanctions.index("expelled")
    dismissed = free.c.sanctions.index("dismissed")
    assert sessions(free, 3) == expelled

    ctx = ruled_world(illegal_rules(tmp_path / "grounds"))
    c, st = ctx.c, ctx.st
    clara, dmitri = c.index("clara"), c.index("dmitri")
    assert sessions(ctx, 4) == dismissed
    st.bloc[0, [clara, dmitri]] = clara
    st.tactic[0, dmitri] = opposition.UNDERGROUND
    assert opposition.charged(ctx)[0, clara]  # her bloc's work is hers
    assert sessions(ctx, 1) == expelled


def test_the_charge_outlives_the_demonstration_and_ends_with_recantation(
    tmp_path: Path,
) -> None:
    """A street demonstration is over at the end of its month, the charge is not; a
    recantation ends it."""
    ctx = ruled_world(illegal_rules(tmp_path))
    st = ctx.st
    clara = ctx.c.index("clara")
    st.tactic[0, clara] = opposition.DEMONSTRATE
    opposition.monthly(ctx)
    assert st.tactic[0, clara] == opposition.OPEN
    assert st.illegal[0, clara]
    recantation.recant(ctx, np.array([0]), np.array([clara]))
    assert not opposition.charged(ctx)[0, clara]


def repeat_rules(tmp_path: Path, repeat: bool) -> Any:
    """Dismissal takes the best office only, and repeats where ``repeat``; Clara also
    holds the region; expulsion needs illegal work, so the ladder stops below it."""
    data = base()
    dismissed = data["rules"]["sanctions"][1]
    dismissed["effects"]["offices"] = "best"
    dismissed["repeat"] = repeat
    data["rules"]["sanctions"][2]["grounds"] = "illegal_work"
    next(o for o in data["offices"] if o["id"] == "region")["holder"] = "clara"
    return load(data, tmp_path)


@pytest.mark.parametrize("repeat", [True, False])
def test_an_office_is_taken_again_while_he_holds_one(repeat: bool, tmp_path: Path) -> None:
    """Dismissed once (a plenum climbs up to three rungs here), Clara loses her best
    office; where dismissal repeats, the next plenum, which can take her no higher,
    takes her other office too."""
    ctx = ruled_world(repeat_rules(tmp_path / str(repeat), repeat))
    c, st = ctx.c, ctx.st
    clara = c.index("clara")
    dismissed = c.sanctions.index("dismissed")
    assert sessions(ctx, 1) == dismissed
    held = int((st.holder[0] == clara).sum())
    assert held == 1
    assert sessions(ctx, 1) == dismissed  # the level stays
    assert int((st.holder[0] == clara).sum()) == (0 if repeat else 1)


def test_an_office_struck_again_needs_what_its_rung_needs(tmp_path: Path) -> None:
    """Where dismissal needs force, it strikes again only while the rulers hold force:
    with the guard in Dmitri's hands Clara keeps her second office."""
    kept = []
    for guard in ("boris", "dmitri"):
        data = base()
        dismissed = data["rules"]["sanctions"][1]
        dismissed.update(repeat=True, needs_force=True)
        dismissed["effects"]["offices"] = "best"
        data["rules"]["sanctions"][2]["grounds"] = "illegal_work"
        for office in data["offices"]:
            if office["id"] == "region":
                office["holder"] = "clara"
            if office["id"] == "guard":
                office["holder"] = guard
        ctx = ruled_world(load(data, tmp_path / guard))
        clara = ctx.c.index("clara")
        contests.meeting(ctx, "plenum", "plenum_1960")  # dismissed, with or without force
        ctx.st.sanction[0, clara] = ctx.c.sanctions.index("dismissed")
        sessions(ctx, 1)
        kept.append(int((ctx.st.holder[0] == clara).sum()))
    assert kept == [0, 2]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda s: s[0].update(repeat=True),
            r"sanction 'criticised' repeats, but only a sanction that takes the best office",
        ),
        (
            lambda s: [x["effects"].update(offices="best") or x.update(repeat=True) for x in s[:2]],
            r"only one sanction may repeat",
        ),
        (lambda s: s[2].update(grounds="rumour"), r"grounds"),
    ],
)
def test_bad_grounds_and_repeats_are_refused(edit: Any, message: str, tmp_path: Path) -> None:
    data = base()
    edit(data["rules"]["sanctions"])
    with pytest.raises(ScenarioError) as info:
        load(data, tmp_path)
    assert re.search(message, str(info.value))


def test_a_faction_out_of_the_cc_holds_the_rulers_together_no_longer(tmp_path: Path) -> None:
    """Clara and Dmitri campaign as one bloc: an open faction, which the rulers close
    ranks against whatever its strength, while its members sit in the CC; once the CC
    has lost them (expelled here), it holds them together no longer."""
    ctx = world(load(base(), tmp_path), month=12)
    c, st = ctx.c, ctx.st
    rule(ctx, "anna", "boris")
    clara, dmitri = c.index("clara"), c.index("dmitri")
    st.bloc[0, [clara, dmitri]] = clara
    st.tactic[0, [clara, dmitri]] = opposition.OPEN
    assert coalitions.open_faction(ctx)[0]
    out = c.sanctions.first(c.sanctions.out_cc)
    st.sanction[0, [clara, dmitri]] = out
    assert not coalitions.open_faction(ctx)[0]
