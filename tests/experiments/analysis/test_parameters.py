"""Analyses draw the global parameters their design leaves alone from a posterior, as
every ensemble does; what the design varies wins."""

from __future__ import annotations

import numpy as np

from apparat.experiments.analysis.evaluate import Design, evaluate
from apparat.experiments.posterior import Posterior, describe
from apparat.scenario import Scenario

OUT = ["stalin_dominant", "consolidation_month"]


def test_each_run_takes_its_own_draw_of_what_the_design_leaves_alone(
    bolshevik: Scenario,
) -> None:
    """With a posterior, a design's run gets the parameter value its run index draws,
    exactly as if the design had set it; the two values differ in outcome."""
    post = Posterior(("oversight",), ((0.0,), (1.0,)), (1.0, 1.0))
    runs = np.arange(60, dtype=np.int64)
    drawn = post.draw(5, runs)["oversight"]
    assert 0 < drawn.mean() < 1  # both particles are drawn
    with_post = evaluate(bolshevik, Design(runs), OUT, 5, posterior=post)
    by_hand = evaluate(bolshevik, Design(runs, {"oversight": drawn}), OUT, 5)
    point = evaluate(bolshevik, Design(runs), OUT, 5)
    assert np.array_equal(with_post, by_hand, equal_nan=True)
    assert not np.array_equal(with_post, point, equal_nan=True)


def test_a_factor_the_design_varies_wins_over_the_posterior(bolshevik: Scenario) -> None:
    """Where the design sets a parameter itself, the posterior's draw of it is ignored."""
    post = Posterior(("oversight",), ((1.0,),), (1.0,))
    runs = np.arange(40, dtype=np.int64)
    design = Design(runs, {"oversight": np.linspace(0.0, 0.4, runs.size)})
    assert np.array_equal(
        evaluate(bolshevik, design, OUT, 2, posterior=post),
        evaluate(bolshevik, design, OUT, 2),
        equal_nan=True,
    )


def test_an_analysis_says_where_its_parameters_came_from(bolshevik: Scenario) -> None:
    """Provenance names the posterior (by its hash) or the point values."""
    from apparat.experiments.analysis import Discovery

    post = Posterior(("oversight",), ((0.3,),), (1.0,))
    d = Discovery(bolshevik, "stalin_dominant", 20, store=None, posterior=post)
    assert d.get_params()["parameters"] == describe(post)
    point = Discovery(bolshevik, "stalin_dominant", 20, store=None, parameters="point")
    assert point.get_params()["parameters"] == "point"
