"""pyabc's ABC-SMC with the particles of a generation simulated as one batch.

pyabc asks its sampler for particles one at a time (``simulate_one``: propose, simulate,
measure the distance, accept or not). The engine is vectorised over runs and gives every
run its own parameter values, so a hundred particles cost little more than one. The
:class:`BatchSampler` therefore works in two passes over the same proposals:

1. a *dry* pass: ``simulate_one`` is called ``b`` times with the model only recording
   the proposed parameters (pyabc draws its proposals from numpy's global generator);
2. the recorded parameters are simulated as one batch of ``b x K`` runs;
3. the generator's state is restored and ``simulate_one`` called again ``b`` times: the
   same proposals come back, and the model answers each from the batch.

The model checks each proposal against the batch and simulates it on its own if they
differ, so a change in pyabc's internals costs speed, never correctness. Every
generation reseeds the global generator from (seed, generation) and keys its runs by the
generation, so a calibration resumed after an interrupt continues exactly as the
uninterrupted one would have.
"""

# pyabc draws its proposals from numpy's global generator: we seed, save and restore it
# ruff: noqa: NPY002
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyabc
from numpy.typing import NDArray
from pyabc.sampler import Sampler

F = NDArray[np.float64]
# Simulate particles: (parameter rows (B, p), first global run index) -> summaries (B, S)
BatchFn = Callable[[F, int], F]
# Progress: (generation, accepted, wanted, evaluated)
Progress = Callable[[int, int, int, int], None]
RUN_BLOCK = 1 << 40  # run indices of generation t start at (t + 2) * RUN_BLOCK


class BatchModel(pyabc.Model):  # type: ignore[misc]  # pyabc ships no type hints
    """A pyabc model whose simulations come from batches the sampler runs ahead."""

    def __init__(self, simulate: BatchFn, names: Sequence[str], stats: int, runs_each: int):
        super().__init__(name="apparat")
        self.simulate = simulate
        self.names = tuple(names)
        self.runs_each = runs_each
        self.dummy = np.zeros(stats)
        self.dry = False
        self.recorded: list[tuple[float, ...]] = []
        self.ready: deque[tuple[tuple[float, ...], F]] = deque()
        self.next_run = 2 * RUN_BLOCK
        self.simulated = 0  # particles simulated, for the record

    def _theta(self, pars: Any) -> tuple[float, ...]:
        return tuple(float(pars[n]) for n in self.names)

    def sample(self, pars: Any) -> dict[str, F]:
        theta = self._theta(pars)
        if self.dry:
            self.recorded.append(theta)
            return {"hits": self.dummy}
        if self.ready and self.ready[0][0] == theta:
            return {"hits": self.ready.popleft()[1]}
        self.ready.clear()  # the replay diverged: simulate this one alone
        return {"hits": self.run(np.asarray([theta]))[0]}

    def run(self, thetas: F) -> F:
        out = self.simulate(thetas, self.next_run)
        self.next_run += thetas.shape[0] * self.runs_each
        self.simulated += thetas.shape[0]
        return out

    def prepare(self, thetas: list[tuple[float, ...]]) -> None:
        """Simulate the recorded proposals as one batch, to be handed out in order."""
        out = self.run(np.asarray(thetas, dtype=np.float64).reshape(len(thetas), -1))
        self.ready = deque(zip(thetas, out, strict=True))


def generation_seed(seed: int, t: int) -> int:
    """The 32-bit seed of numpy's global generator for generation ``t``."""
    return int(np.random.SeedSequence([seed, t + 1]).generate_state(1)[0])


class BatchSampler(Sampler):  # type: ignore[misc]  # pyabc ships no type hints
    """Sample until ``n`` particles are accepted, simulating proposals in batches."""

    def __init__(
        self,
        model: BatchModel,
        seed: int,
        max_batch: int = 2000,
        progress: Progress | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.seed = seed
        self.max_batch = max_batch
        self.progress = progress
        self.rate = 0.5  # expected acceptance rate, learnt as we go

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable[[], Any],
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        np.random.seed(generation_seed(self.seed, t))
        self.model.next_run = (t + 2) * RUN_BLOCK
        sample = self._create_empty_sample()
        evals = 0
        rate = 1.0 if all_accepted else self.rate
        while sample.n_accepted < n and evals < max_eval:
            need = n - sample.n_accepted
            b = int(min(max(np.ceil(1.2 * need / max(rate, 0.01)), 8), self.max_batch))
            b = int(min(b, max_eval - evals))
            state = np.random.get_state()
            self.model.dry, self.model.recorded = True, []
            try:
                for _ in range(b):
                    simulate_one()
            finally:
                self.model.dry = False
            self.model.prepare(self.model.recorded)
            np.random.set_state(state)
            accepted = tried = 0
            for _ in range(b):
                particle = simulate_one()
                sample.append(particle)
                tried += 1
                accepted += bool(particle.accepted)
                if sample.n_accepted >= n:
                    break
            evals += tried
            rate = max(accepted / tried, 0.5 / tried)
            if self.progress:
                self.progress(t, sample.n_accepted, n, evals)
        self.model.ready.clear()
        if not all_accepted:
            self.rate = rate
        self.nr_evaluations_ = evals
        if sample.n_accepted < n:
            sample.ok = False
        return sample
