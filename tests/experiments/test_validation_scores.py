"""Proper scores of the record's facts, with answers worked out by hand on synthetic
ensembles: a model that puts every event on the record's month scores perfectly, one in
which the event never happens scores a certain miss, and moving a perfect model's events
to random months (the random-timing baseline) scores worse."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from apparat.engine import compile_scenario
from apparat.engine.compiled import Compiled, month_index, month_label
from apparat.engine.outcomes import History
from apparat.experiments.scores import brier, crps, interval, median_abs_error
from apparat.experiments.validation import ValidationReport, validate
from apparat.scenario import load_scenario
from apparat.scenario.record import Fact, Record

CITE = ["wiki_gang §lead 'the gang'"]


@pytest.fixture(scope="module")
def china() -> Compiled:
    return compile_scenario(load_scenario("china_1976"))


def free_actors(c: Compiled) -> list[int]:
    """Actors under no sanction at the start, Mao (who dies) left out: one per fact."""
    return [i for i, s in enumerate(c.sanction0) if s == 0 and c.actors[i] != "mao"]


# per global run index: the month Hua is criticised, -1 never
Months = Callable[[int], int]


def ensemble(c: Compiled, months: list[Months]) -> Callable[[Any], Any]:
    """A simulate_batch whose run i criticises fact k's actor at ``months[k](i)``: a
    one-month event, the first month at or above the level."""
    actors = free_actors(c)[: len(months)]
    level = c.sanctions.index("criticised")

    def batch(idx: Any) -> Any:
        runs = len(idx)
        h = History.empty(runs, c.months, len(c.actors), len(c.offices), len(c.axes))
        h.holder[:] = c.holder0[None, None, :]
        h.executive[:] = c.executive0[None, None, :]
        h.sanction[:] = c.sanction0[None, None, :]
        h.prestige[:] = 0.5
        for a, at in zip(actors, months, strict=True):
            for row, run in enumerate(idx):
                if (m := at(int(run))) >= 0:
                    h.sanction[row, m:, a] = level
        outcomes = SimpleNamespace(
            defeat_month=np.full((runs, len(c.actors)), -1, dtype=np.int64),
            dominant_end=np.full(runs, -1, dtype=np.int64),
        )
        return SimpleNamespace(history=h, outcomes=outcomes)

    return batch


def facts_of(c: Compiled, dates: list[str], window: int = 3) -> list[Fact]:
    """One fact per date, each on its own actor (as ``ensemble`` assigns them)."""
    actors = free_actors(c)
    return [
        Fact(
            id=f"f{k}",
            kind="sanction",
            actor=c.actors[actors[k]],
            level="criticised",
            date=d,
            window=window,
            cite=CITE,
        )
        for k, d in enumerate(dates)
    ]


def run(c: Compiled, dates: list[str], months: list[Months], runs: int = 200,
        **kw: Any) -> ValidationReport:  # fmt: skip
    record = Record(scenario="china_1976", facts=facts_of(c, dates))
    return validate(c, record, ensemble(c, months), runs, **kw)


# ---------------------------------------------------------------- the score functions


def test_crps_of_an_ensemble_on_the_observation_is_zero() -> None:
    """Every member on the observed month: no error, no spread."""
    assert crps(np.full(50, 7), 7) == 0.0


def test_crps_of_a_point_forecast_is_its_absolute_error() -> None:
    """One value (or many equal ones) scores |x - y|."""
    assert crps(np.array([10]), 4) == 6.0
    assert crps(np.full(9, 1), 4) == pytest.approx(3.0)


def test_crps_by_hand() -> None:
    """Members {0, 2} against 0: E|X-y| = 1, E|X-X'| = 1, so 1 - 1/2 = 0.5; this is
    also the integral of (F(x) - 1{x >= 0})^2 = 0.25 over [0, 2)."""
    assert crps(np.array([0, 2]), 0) == pytest.approx(0.5)


def test_crps_equals_the_pairwise_definition() -> None:
    """The sorted-sum shortcut agrees with E|X-y| - E|X-X'|/2 computed pair by pair."""
    x = np.random.default_rng(3).integers(0, 40, size=57)
    direct = np.abs(x - 13).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
    assert crps(x, 13) == pytest.approx(direct)


def test_brier_interval_and_median_error_by_hand() -> None:
    """Brier of certainty is 0, of a certain miss 1, of a coin 0.25; the 80% interval
    of 0..9 is [0, 8] (smallest values reaching 10% and 90%); the median error counts
    only the runs in which the event happens."""
    assert (brier(1.0), brier(0.0), brier(0.5)) == (0.0, 1.0, 0.25)
    assert interval(np.arange(10)) == (0.0, 4.0, 8.0)
    assert median_abs_error(np.array([-1, -1, 5, 7, 9]), 6) == 1.0
    assert np.isnan(median_abs_error(np.array([-1, -1]), 6))


# ---------------------------------------------------------------- known ensembles


def test_a_perfect_model_scores_zero(china: Compiled) -> None:
    """Every run has the event exactly at the record's month: hit rate 1, Brier 0,
    CRPS 0, median error 0, the 80% interval covers the record."""
    y = month_index(china.start, "1978-03")
    report = run(china, ["1978-03"], [lambda i: y])
    f = report.facts[0]
    assert f.model == 1.0
    assert f.brier.model == 0.0
    assert f.timing is not None
    assert f.timing.crps.model == 0.0
    assert f.timing.median_abs_error == 0.0
    assert f.timing.covered
    assert f.timing.verdict == "in"
    s = report.scores["all"]
    assert (s.brier.model, s.crps.model, s.coverage) == (0.0, 0.0, 1.0)


def test_an_event_that_never_happens_is_a_certain_miss(china: Compiled) -> None:
    """No run has the event: Brier 1, every run placed at never = months + window, so
    the CRPS is never - record month, and the model is 'late' (the record lies before
    an interval that is all beyond the horizon)."""
    y = month_index(china.start, "1978-03")
    report = run(china, ["1978-03"], [lambda i: -1])
    f = report.facts[0]
    assert f.model == 0.0
    assert f.brier.model == 1.0
    assert f.timing is not None
    assert f.timing.never == china.months + 3
    assert f.timing.occurred == 0.0
    assert f.timing.crps.model == pytest.approx(china.months + 3 - y)
    assert np.isnan(f.timing.median_abs_error)
    assert f.timing.verdict == "late"
    assert report.scores["all"].coverage == 0.0


def test_half_on_time_half_never_scores_a_quarter_of_the_gap(china: Compiled) -> None:
    """Half the runs on the record's month, half without the event: E|X-y| = D/2 and
    E|X-X'| = D/2 with D = never - y, so CRPS = D/2 - D/4 = D/4; the 80% interval runs
    from the record's month to beyond the horizon, so it covers the record."""
    y = month_index(china.start, "1978-03")
    report = run(china, ["1978-03"], [lambda i: y if i % 2 else -1])
    t = report.facts[0].timing
    assert t is not None
    assert t.crps.model == pytest.approx((t.never - y) / 4)
    assert report.facts[0].brier.model == pytest.approx(0.25)
    assert t.covered
    assert t.high == t.never


def test_random_timing_scores_a_perfect_model_lower(china: Compiled) -> None:
    """Moving a perfect model's one-month events to random months keeps them but
    spoils their timing: the hit rate falls to about the window's share of the span,
    (2w+1)/T, and the Brier score and the CRPS rise above zero."""
    y = month_index(china.start, "1978-03")
    report = run(china, ["1978-03"], [lambda i: y], runs=600, seed=5)
    f = report.facts[0]
    assert f.random == pytest.approx(7 / china.months, abs=0.05)
    assert f.random < f.model
    assert f.brier.random > f.brier.model
    assert f.timing is not None
    assert f.timing.crps.random > 5 * max(f.timing.crps.model, 0.1)
    s = report.scores["all"]
    assert s.median_run.random < s.median_run.model


def test_random_timing_does_not_depend_on_the_batches(china: Compiled) -> None:
    """The baseline's draws are keyed by seed and run index, not by batch."""
    y = month_index(china.start, "1978-03")
    small = run(china, ["1978-03"], [lambda i: y], runs=60, seed=2, batch=7)
    large = run(china, ["1978-03"], [lambda i: y], runs=60, seed=2)
    other = run(china, ["1978-03"], [lambda i: y], runs=60, seed=3)
    assert small.random_hits is not None
    assert large.random_hits is not None
    assert np.array_equal(small.random_hits, large.random_hits)
    assert not np.array_equal(other.random_hits, large.random_hits)


def test_split_scores_each_side_apart(china: Compiled) -> None:
    """A perfect fact before the split and a never-happening one from it: the 'before'
    group scores Brier 0 and full coverage, the 'from' group Brier 1 and none."""
    y = month_index(china.start, "1977-03")
    report = run(china, ["1977-03", "1979-03"], [lambda i: y, lambda i: -1], split="1978-01")
    assert [f.group for f in report.facts] == ["before", "from"]
    before, after, every = (report.scores[k] for k in ("before", "from", "all"))
    assert (before.facts, after.facts, every.facts) == (1, 1, 2)
    assert (before.brier.model, after.brier.model, every.brier.model) == (0.0, 1.0, 0.5)
    assert (before.coverage, after.coverage) == (1.0, 0.0)
    assert (before.median_run.model, after.median_run.model) == (1.0, 0.0)


def test_a_split_must_be_a_month(china: Compiled) -> None:
    """A split that is not YYYY-MM is refused with a message naming it."""
    with pytest.raises(ValueError, match="not a month"):
        run(china, ["1977-03"], [lambda i: -1], runs=2, split="1978")


def test_a_fact_dated_before_the_start_has_no_timing(china: Compiled) -> None:
    """A precondition dated before the first month scores a hit rate but no month."""
    report = run(china, ["1976-07"], [lambda i: 0], runs=4)
    assert report.facts[0].timing is None
    assert report.scores["all"].timed == 0


def test_the_json_document_is_plain_and_complete(china: Compiled) -> None:
    """as_dict holds only JSON values (nan as null) under documented keys, the interval's
    months as 'YYYY-MM' and a month beyond the horizon as null."""
    y = month_index(china.start, "1978-03")
    report = run(china, ["1978-03", "1980-01"], [lambda i: y, lambda i: -1], runs=10,
                 split="1979-01")  # fmt: skip
    doc = report.as_dict(china.names)
    json.dumps(doc, allow_nan=False)
    assert set(doc) == {"schema", "runs", "seed", "start", "months", "split", "interval",
                        "facts", "scores", "order_of_defeats", "consolidated_end"}  # fmt: skip
    assert set(doc["scores"]) == {"all", "before", "from"}
    first, second = doc["facts"]
    assert first["timing"]["low"] == first["timing"]["record"] == month_label(china.start, y)
    assert second["timing"]["low"] is None
    assert second["timing"]["verdict"] == "late"
    assert second["timing"]["median_abs_error"] is None
    assert doc["scores"]["before"]["brier"] == {"model": 0.0, "random": pytest.approx(
        doc["facts"][0]["brier"]["random"]), "naive": 1.0}  # fmt: skip
