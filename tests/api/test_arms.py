"""The what-if's two arms on two processes give what one thread gives."""

from __future__ import annotations

import numpy as np
import pytest

from apparat import load_scenario
from apparat.api import arms as arms_module
from apparat.api.arms import ArmPool, ArmSpec
from apparat.experiments import interventions as iv
from apparat.experiments.batch import scenario_json


def test_arms_on_two_processes_equal_arms_in_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A factual arm and an edited, forced what-if arm come back from the process pool
    exactly as they are computed in the calling thread."""
    monkeypatch.setattr(arms_module, "PARALLEL_FROM", 1)  # use the pool even for 30 runs
    s = load_scenario("bolshevik_1923")
    edited = iv.apply(
        s, iv.parse(do=["trotsky.xii_congress=attack"], shift=["lenin.death=1925-01"])
    )
    factual = ArmSpec("bolshevik_1923", None, (), (), 30, 4)
    what_if = ArmSpec(
        "bolshevik_1923",
        scenario_json(edited.scenario),
        tuple(sorted(edited.params.items())),
        tuple(sorted(edited.forced.items())),
        30,
        4,
    )
    pool = ArmPool()
    try:
        far = pool.run(factual, what_if)
    finally:
        pool.close()
    near = ArmPool.inline().run(factual, what_if)
    for a, b in zip(far, near, strict=True):
        assert np.array_equal(a.dominant_end, b.dominant_end)
        assert np.array_equal(a.power, b.power)
    assert not np.array_equal(near[0].power, near[1].power)  # the what-if is another world
