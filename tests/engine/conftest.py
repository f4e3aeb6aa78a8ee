"""Engine fixtures: a fresh context on a scenario, as the simulation builds one."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from apparat.engine import Compiled, beliefs
from apparat.engine.chronicle import Chronicle
from apparat.engine.context import Context
from apparat.engine.random import Streams
from apparat.engine.state import initial_state

MakeContext = Callable[..., Context]


@pytest.fixture
def make_context() -> MakeContext:
    """A factory: ``make_context(compiled, runs=8, seed=3)``, every run narrated."""

    def make(c: Compiled, runs: int = 8, seed: int = 3) -> Context:
        idx = np.arange(runs, dtype=np.int64)
        st = initial_state(c, runs)
        log = Chronicle(idx, np.ones(runs, bool))
        ctx = Context(c=c, st=st, rng=Streams(seed, idx), log=log)
        beliefs.start(ctx)
        return ctx

    return make
