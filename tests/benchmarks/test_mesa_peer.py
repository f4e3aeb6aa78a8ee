"""The Mesa peer: the same model as apparat, written as Mesa agents, run for run."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

_START = multiprocessing.get_start_method(allow_none=True)
pytest.importorskip("mesa")
# Mesa forces "spawn" on import; later tests' process pools keep the session's default
multiprocessing.set_start_method(_START, force=True)

from benchmarks.mesa_peer import PeerModel, run_peer  # noqa: E402
from benchmarks.mesa_peer.twin import differences  # noqa: E402

import apparat  # noqa: E402


def test_same_seed_same_outcomes_and_only_valid_actors() -> None:
    """Two ensembles with one seed agree run for run; outcomes name contenders or nobody."""
    first, second = run_peer(4, seed=11), run_peer(4, seed=11)
    assert first.equals(second)
    assert list(first["run"]) == [0, 1, 2, 3]
    contenders = {a.id for a in apparat.load_scenario("bolshevik_1923").actors if a.contender}
    for dominant, month in zip(first["dominant"], first["consolidation_month"], strict=True):
        assert (dominant is None and month == -1) or (dominant in contenders and 0 <= month < 97)


def test_with_apparats_streams_a_run_is_apparats_run() -> None:
    """Given apparat's counter-based draws, the peer reproduces its run month by month."""
    seed, run = 5, 2
    twin = apparat.simulate("bolshevik_1923", runs=np.array([run]), seed=seed, chronicle=False)
    model = PeerModel(run=run, seed=seed, streams="apparat")
    for _ in range(model.months):
        model.step()
        assert differences(model, twin.history, 0) == [], twin.label(model.month)
    assert model.dominant == twin.outcomes.dominant_end[0]
    assert model.consolidation_month() == twin.outcomes.consolidation_month[0]


def test_a_draw_fixed_for_the_run_is_apparats_month_zero_draw() -> None:
    """``uniform_once`` gives, in any month, the number apparat draws for month 0."""
    from apparat.engine.random import Streams

    model = PeerModel(run=3, seed=9, streams="apparat")
    for _ in range(5):
        model.step()
    expected = Streams(9, np.array([3])).uniform("coalitions.follow_tiebreak", 0, 4)[0]
    got = [model.uniform_once("coalitions.follow_tiebreak", i) for i in range(4)]
    assert np.array_equal(got, expected)
    assert model.uniform("coalitions.follow_tiebreak", 0) != got[0]  # this month's differs
