"""Paired experiments: reproducible on any backend, resumable, exact where nothing changes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from apparat.errors import InterventionError, SimulationError
from apparat.experiments import interventions as iv
from apparat.experiments.experiment import Experiment
from apparat.scenario import Scenario

ATTACK = {"attack": iv.parse(do=["trotsky.xii_congress=attack"])}


def test_serial_and_parallel_give_the_same_numbers(bolshevik: Scenario) -> None:
    """The same seed gives bit-identical outcomes serially and on two processes."""
    serial = Experiment(bolshevik, 60, 3, ATTACK, store=None, batch_size=20).run()
    parallel = Experiment(bolshevik, 60, 3, ATTACK, store=None, batch_size=20, workers=2).run()
    pd.testing.assert_frame_equal(serial.outcomes_, parallel.outcomes_)
    pd.testing.assert_frame_equal(serial.summary_, parallel.summary_)


def test_a_killed_experiment_resumes_to_the_same_result(
    bolshevik: Scenario, tmp_path: Path
) -> None:
    """Interrupted after its first batch and run again, an experiment equals one that
    was never interrupted, and the finished batches are not simulated twice."""
    store = tmp_path / "results.duckdb"
    calls = {"n": 0}

    def kill_after_first_batch(n: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the first call reports resumed runs (none)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Experiment(bolshevik, 40, 5, ATTACK, store=store, batch_size=10).run(kill_after_first_batch)
    resumed = Experiment(bolshevik, 40, 5, ATTACK, store=store, batch_size=10).run()
    assert resumed.batches_resumed_ >= 1
    whole = Experiment(
        bolshevik, 40, 5, ATTACK, store=tmp_path / "other.duckdb", batch_size=10
    ).run()
    pd.testing.assert_frame_equal(resumed.outcomes_, whole.outcomes_)
    pd.testing.assert_frame_equal(resumed.summary_, whole.summary_)


def test_an_interrupted_experiment_says_so_in_the_store(
    bolshevik: Scenario, tmp_path: Path
) -> None:
    """Ctrl-C between batches leaves the experiment 'interrupted' in the store, not
    'running'; the rerun finds the kept batch and finishes it 'done'."""
    from apparat.store import ResultsStore

    store = tmp_path / "results.duckdb"

    def interrupt_after_first_batch(n: int) -> None:
        if n:
            raise KeyboardInterrupt

    first = Experiment(bolshevik, 20, 5, ATTACK, store=store, batch_size=10)
    with pytest.raises(KeyboardInterrupt):
        first.run(interrupt_after_first_batch)
    with ResultsStore(store, read_only=True) as st:
        assert list(st.experiments()["status"]) == ["interrupted"]
    again = Experiment(bolshevik, 20, 5, ATTACK, store=store, batch_size=10).run()
    assert (again.batches_resumed_, again.batches_total_) == (1, 4)
    with ResultsStore(store, read_only=True) as st:
        assert list(st.experiments()["status"]) == ["done"]


def test_an_intervention_nothing_reads_differs_by_exactly_zero(toy: Scenario) -> None:
    """Changing what nothing in the toy reads (the risk of underground work, where no
    option goes underground) leaves every run as it was: every paired difference is
    exactly zero."""
    arms = {"unread": iv.parse(set_=["underground_risk=0.9"])}
    exp = Experiment(toy, 80, 2, arms, store=None, batch_size=40).run()
    assert (exp.differences_["difference"] == 0).all()
    factual = exp.outcomes_[exp.outcomes_["arm"] == "factual"].reset_index(drop=True)
    arm = exp.outcomes_[exp.outcomes_["arm"] == "unread"].reset_index(drop=True)
    pd.testing.assert_frame_equal(factual.drop(columns="arm"), arm.drop(columns="arm"))


def test_forcing_the_historical_truce_changes_only_the_runs_that_attacked(
    bolshevik: Scenario,
) -> None:
    """Forcing the option most runs chose anyway changes only the few runs that did not."""
    arms = {"truce": iv.parse(do=["trotsky.xii_congress=truce"])}
    exp = Experiment(bolshevik, 60, 4, arms, store=None, batch_size=30).run()
    choices = exp.choices_
    attacked = set(
        choices[
            (choices["arm"] == "factual")
            & (choices["decision"] == "trotsky.xii_congress")
            & (choices["option"] == "attack")
        ]["run"]
    )
    o = exp.outcomes_.set_index(["arm", "run"])
    same = [r for r in range(60) if r not in attacked]
    assert same
    left = o.loc["factual"].loc[same]
    right = o.loc["truce"].loc[same]
    pd.testing.assert_frame_equal(left, right)


def test_the_attack_preset_changes_the_course(bolshevik: Scenario) -> None:
    """Attacking at the XII Congress changes who ends on top in some runs (the paired
    arms share their luck, so every difference is the attack's doing)."""
    exp = Experiment(bolshevik, 300, 1, ATTACK, store=None).run()
    d = exp.differences_
    rows = d[(d["arm"] == "attack") & (d["outcome"] == "dominant_end")]
    assert (rows["difference"].abs() > 0).any()


# the sources' claim (S1:280): Trotsky's speech 'could have played a decisive role'
def test_the_attack_preset_moves_the_odds_against_stalin(bolshevik: Scenario) -> None:
    """Attacking at the XII Congress lowers Stalin's chance of consolidating, with a
    paired interval that excludes zero."""
    exp = Experiment(bolshevik, 300, 1, ATTACK, store=None).run()
    d = exp.differences_
    row = d[(d["arm"] == "attack") & (d["outcome"] == "dominant_end") & (d["value"] == "stalin")]
    assert row["high"].iloc[0] < 0


def test_bad_requests_are_refused_clearly(bolshevik: Scenario) -> None:
    """Absurd sizes and misnamed arms are refused with a message, before any work."""
    with pytest.raises(SimulationError, match="runs must be between"):
        Experiment(bolshevik, 0, store=None).run()
    with pytest.raises(SimulationError, match="batch_size"):
        Experiment(bolshevik, 10, batch_size=0, store=None).run()
    with pytest.raises(InterventionError, match="factual"):
        Experiment(bolshevik, 10, arms={"factual": []}, store=None).run()


def test_conditioning_keeps_only_runs_that_match_the_record(bolshevik: Scenario) -> None:
    """Given the record up to a month, every kept run reproduces the facts closed by then,
    and an intervention dated before that month is refused."""
    arms = {"left": iv.parse(do=["bukharin.left_approach_1928=seek_left_bloc"])}
    # 1926-03: by June 1926 the record (Kamenev out of the full Politburo in January
    # 1926) leaves too few matching runs for 20 in the tries allowed
    exp = Experiment(bolshevik, 20, 1, arms, given_history_until="1926-03", store=None).run()
    assert exp.runs_tried_ >= 20
    assert exp.outcomes_.groupby("arm").size().to_dict() == {"factual": 20, "left": 20}
    with pytest.raises(InterventionError, match="not after"):
        Experiment(bolshevik, 5, 1, ATTACK, given_history_until="1926-03", store=None).run()


def test_batches_stored_by_other_model_code_are_not_resumed(
    bolshevik: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resume key holds a hash of the model's code: after the engine changes, the
    same command starts a new experiment instead of mixing in the old batches."""
    from apparat.experiments import experiment as experiment_module

    store = tmp_path / "s.duckdb"
    first = Experiment(bolshevik, 20, 5, ATTACK, store=store, batch_size=10).run()
    again = Experiment(bolshevik, 20, 5, ATTACK, store=store, batch_size=10).run()
    assert again.experiment_id_ == first.experiment_id_
    monkeypatch.setattr(experiment_module, "model_fingerprint", lambda: "other code")
    changed = Experiment(bolshevik, 20, 5, ATTACK, store=store, batch_size=10).run()
    assert changed.experiment_id_ != first.experiment_id_
    assert changed.batches_resumed_ == 0


def _blas_threads(_: int) -> list[int]:
    from threadpoolctl import threadpool_info  # type: ignore[import-untyped]

    return [int(p["num_threads"]) for p in threadpool_info() if p.get("user_api") == "blas"]


def test_process_workers_run_one_blas_thread_each() -> None:
    """Worker processes limit BLAS to one thread, so workers do not fight over the cores."""
    from apparat.experiments.backends import ProcessBackend

    with ProcessBackend(2) as backend:
        counts = [n for found in backend.map_unordered(_blas_threads, [0, 1]) for n in found]
    assert counts
    assert set(counts) == {1}
