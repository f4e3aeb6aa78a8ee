"""Calibration by ABC-SMC: a known answer, resume, reproducible posterior draws, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from apparat.errors import InterventionError, RecordError, SimulationError
from apparat.experiments.calibration_setup import parse_priors, split_record
from apparat.experiments.posterior import Posterior, load_posterior, weighted_quantiles
from apparat.scenario.record import load_record
from apparat.store import ResultsStore

pyabc = pytest.importorskip("pyabc")
from apparat.experiments import abc_batch  # noqa: E402 - needs pyabc
from apparat.experiments.calibration import Calibration  # noqa: E402
from apparat.experiments.calibration_setup import brier  # noqa: E402

TRUE = 0.3


def toy_hits(thetas: np.ndarray, run0: int, k: int = 20, facts: int = 5) -> np.ndarray:
    """A stochastic toy simulator: each fact happens with a chance that peaks at TRUE."""
    p = np.exp(-(((thetas[:, 0] - TRUE) / 0.15) ** 2))
    rng = np.random.default_rng(run0)  # keyed by the runs, as the engine is
    return (rng.random((thetas.shape[0], k, facts)) < p[:, None, None]).mean(axis=1)


def run_toy(seed: int, generations: int = 4) -> tuple[pyabc.History, int]:
    model = abc_batch.BatchModel(toy_hits, ["x"], 5, 20)
    sampler = abc_batch.BatchSampler(model, seed)
    prior = pyabc.Distribution(x=pyabc.RV("uniform", 0.0, 1.0))
    abc = pyabc.ABCSMC(
        model, prior, brier, population_size=60, sampler=sampler,
        eps=pyabc.MedianEpsilon(initial_epsilon=1.0 + 1e-9),
    )  # fmt: skip
    abc.new("sqlite://", {"hits": np.ones(5)})
    history = abc.run(max_nr_populations=generations)
    return history, model.simulated


def test_toy_posterior_concentrates_near_the_true_parameter() -> None:
    """With a uniform prior on [0, 1], the posterior of the toy narrows around 0.3."""
    history, simulated = run_toy(seed=3)
    df, w = history.get_distribution(m=0, t=history.max_t)
    low, median, high = weighted_quantiles(df["x"].to_numpy(), np.asarray(w), (0.05, 0.5, 0.95))
    assert abs(median - TRUE) < 0.06
    assert high - low < 0.45  # the prior's 90 % interval is 0.9 wide
    assert low < TRUE < high
    assert simulated >= 60 * 4


def test_batched_sampler_replays_pyabc_proposals_exactly() -> None:
    """Every particle is answered from the batch: no proposal is simulated on its own."""
    calls: list[int] = []

    def counted(thetas: np.ndarray, run0: int) -> np.ndarray:
        calls.append(thetas.shape[0])
        return toy_hits(thetas, run0)

    model = abc_batch.BatchModel(counted, ["x"], 5, 20)
    sampler = abc_batch.BatchSampler(model, 1)
    prior = pyabc.Distribution(x=pyabc.RV("uniform", 0.0, 1.0))
    abc = pyabc.ABCSMC(
        model, prior, brier, population_size=50, sampler=sampler,
        eps=pyabc.MedianEpsilon(initial_epsilon=1.0 + 1e-9),
    )  # fmt: skip
    abc.new("sqlite://", {"hits": np.ones(5)})
    abc.run(max_nr_populations=3)
    assert min(calls) > 1  # a divergent replay would simulate batches of one
    assert model.simulated == sum(calls)


def test_same_seed_same_toy_posterior() -> None:
    """The toy calibration is a pure function of its seed."""
    a, _ = run_toy(seed=5, generations=2)
    b, _ = run_toy(seed=5, generations=2)
    da, wa = a.get_distribution(m=0, t=1)
    db, wb = b.get_distribution(m=0, t=1)
    assert np.array_equal(da["x"].to_numpy(), db["x"].to_numpy())
    assert np.array_equal(np.asarray(wa), np.asarray(wb))


SMALL = {"particles": 6, "runs_per_particle": 1, "test_runs": 10, "seed": 2}
PARAMS = ["oversight", "delegate_control"]


def test_interrupted_calibration_resumes_to_the_uninterrupted_result(tmp_path: Path) -> None:
    """Ctrl-C keeps the finished generations; the same call resumes and ends exactly where
    an uninterrupted calibration does."""
    whole = Calibration(
        "bolshevik_1923", PARAMS, "1923-12", generations=2, store=tmp_path / "a.duckdb", **SMALL
    ).run()

    def stop(t: int, accepted: int, wanted: int, evaluated: int) -> None:
        if t == 1:
            raise KeyboardInterrupt

    store = tmp_path / "b.duckdb"
    cal = Calibration("bolshevik_1923", PARAMS, "1923-12", generations=2, store=store, **SMALL)
    with pytest.raises(KeyboardInterrupt):
        cal.run(progress=stop)
    with ResultsStore(store, read_only=True) as st:
        got = st.calibrations.get(cal.calibration_id_)
        assert got["status"] == "interrupted"
        assert list(st.calibrations.generations(cal.calibration_id_)["generation"]) == [0]
    again = Calibration(
        "bolshevik_1923", PARAMS, "1923-12", generations=2, store=store, **SMALL
    ).run()
    assert again.generations_resumed_ == 1
    assert again.posterior_.values == whole.posterior_.values
    assert again.posterior_.weights == whole.posterior_.weights
    with ResultsStore(store, read_only=True) as st:
        assert st.calibrations.get(again.calibration_id_)["status"] == "done"
        stored = st.calibrations.particles(again.calibration_id_)
    assert np.allclose(stored[PARAMS].to_numpy(), whole.posterior_.array)
    assert set(again.scores_["set"]) == {
        "training (to 1923-12)",
        "test (after 1923-12)",
        "all facts",
    }


def test_exported_posterior_round_trips(tmp_path: Path) -> None:
    """A posterior written to YAML reads back with the same particles and weights."""
    post = Posterior(
        ("oversight", "majority"), ((0.1, 0.5), (0.3, 0.6)), (1.0, 3.0), {"until": "1926-12"}
    )
    back = load_posterior(post.save(tmp_path / "calibration" / "posterior.yaml"))
    assert back == post
    assert back.about["until"] == "1926-12"


def test_posterior_draws_are_keyed_by_run_not_by_chunk() -> None:
    """Run i gets the same particle whatever batch it is in, and the same seed the same
    draws; another seed other draws; the weights steer how often a particle is drawn."""
    post = Posterior(("oversight",), ((0.1,), (0.5,), (0.9,)), (1.0, 2.0, 7.0))
    runs = np.arange(4000, dtype=np.int64)
    whole = post.draw(7, runs)["oversight"]
    parts = np.concatenate(
        [post.draw(7, runs[i : i + 333])["oversight"] for i in range(0, 4000, 333)]
    )
    assert np.array_equal(whole, parts)
    assert not np.array_equal(whole, post.draw(8, runs)["oversight"])
    shares = [np.mean(whole == v) for v in (0.1, 0.5, 0.9)]
    assert shares == pytest.approx([0.1, 0.2, 0.7], abs=0.03)
    assert post.draw(7, runs, without=("oversight",)) == {}


def test_experiment_arms_share_the_posterior_draw(tmp_path: Path) -> None:
    """With a posterior, paired arms draw the same parameters run for run; point values
    give other results than the posterior; asking for the posterior of a scenario that
    ships none is refused."""
    from apparat.experiments.experiment import Experiment
    from apparat.scenario.loader import resolve_path

    post = Posterior(("oversight",), ((0.0,), (1.0,)), (1.0, 1.0))
    arms = {"same": []}
    exp = Experiment("bolshevik_1923", runs=6, seed=3, arms=arms, posterior=post, chronicles=0)
    exp.run()
    o = exp.outcomes_
    f, s = o[o.arm == "factual"], o[o.arm == "same"]
    assert list(f["dominant_end"]) == list(s["dominant_end"])
    assert exp.get_params()["parameters"].startswith("posterior ")
    point = Experiment("bolshevik_1923", runs=6, seed=3, parameters="point", posterior=post)
    assert point.get_params()["parameters"] == "point"
    bare = tmp_path / "bare"  # a scenario folder without calibration/posterior.yaml
    shutil.copytree(resolve_path("china_1976"), bare, ignore=shutil.ignore_patterns("calibration"))
    with pytest.raises(SimulationError, match="ships no posterior"):
        Experiment(str(bare), runs=2, parameters="posterior").plan()


def test_clear_errors(bolshevik_compiled) -> None:
    """Unknown parameters, bad ranges, a cut-off outside the scenario and an empty
    training set are refused with messages that say what to do."""
    with pytest.raises(InterventionError, match="unknown parameter 'oversite'"):
        parse_priors(["oversite"])
    with pytest.raises(InterventionError, match="inside oversight's declared range"):
        parse_priors(["oversight=0.5:2"])
    record = load_record(scenario="bolshevik_1923")
    with pytest.raises(SimulationError, match="cut-off 1940-01 is outside the scenario"):
        split_record(bolshevik_compiled, record, "1940-01")
    late = record.model_copy(update={"facts": [f for f in record.facts if f.date > "1925-12"]})
    with pytest.raises(RecordError, match="nothing to calibrate on"):
        split_record(bolshevik_compiled, late, "1923-06")
    assert parse_priors(["oversight=0.1:0.4"])[0].high == 0.4


def test_calibrate_command_names_a_bad_parameter(tmp_path: Path) -> None:
    """`apparat calibrate -p NAME` with an unknown name exits 2 listing the valid ones."""
    from typer.testing import CliRunner

    from apparat.cli import app

    got = CliRunner().invoke(
        app, ["calibrate", "-p", "oversite", "--store", str(tmp_path / "s.duckdb")]
    )
    assert got.exit_code == 2
    assert "unknown parameter 'oversite'" in got.output
    assert "oversight" in got.output
