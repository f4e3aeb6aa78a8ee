"""Scenario discovery: the boxes of factor space where an outcome happens, with PRIM.

A Latin hypercube over the declared factors, one run per point (each with its own luck),
and the outcome of each run as a yes or no. EMA Workbench's PRIM peels the factor space
toward the points where it happened; every step of the peeling trajectory is a box
with a coverage (the share of all the cases of interest that fall inside it) and a
density (the share of the runs inside it that are cases of interest). We keep the whole
trajectory and choose, per box, the step with the largest coverage whose density
reaches ``min_density`` (by default halfway from the base rate to certainty; the
densest step, if none does), then drop each restriction whose quasi-p value (EMA's
binomial test of the restriction) is not below ``significance``: a limit PRIM drew
on noise. CART (EMA's wrapper of scikit-learn's tree) gives a second, independent set
of boxes when asked: its leaves that reach ``min_density``, widest first. An outcome
seen in fewer than ``min_cases`` runs (or missed in fewer) gives no box: PRIM would
peel toward a handful of runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from apparat.errors import SimulationError
from apparat.experiments.analysis import deps
from apparat.experiments.analysis.base import Analysis, problem, select_factors
from apparat.experiments.analysis.evaluate import Design, evaluate
from apparat.experiments.analysis.outcomes import check
from apparat.experiments.backends import Backend
from apparat.experiments.posterior import Posterior
from apparat.scenario import Scenario
from apparat.store import DEFAULT_PATH

NONE = "(none)"  # the factor of a box that restricts nothing
BOX_COLUMNS = [
    "outcome",
    "method",
    "box",
    "factor",
    "low",
    "high",
    "coverage",
    "density",
    "mass",
    "n",
]


class Discovery(Analysis):
    """PRIM (and optionally CART) boxes of the factor space where ``outcome`` happens."""

    kind = "discovery"

    def __init__(
        self,
        scenario: str | Path | Scenario = "bolshevik_1923",
        outcome: str = "no_one_dominant",
        samples: int = 2000,
        seed: int = 1,
        *,
        factors: Sequence[str] | None = None,
        boxes: int = 1,
        min_density: float | None = None,
        min_cases: int = 10,
        significance: float | None = 0.05,
        mass_min: float = 0.05,
        peel_alpha: float = 0.05,
        cart: bool = False,
        workers: int = 1,
        backend: Backend | None = None,
        store: str | Path | None = DEFAULT_PATH,
        chunk_size: int = 2000,
        name: str | None = None,
        parameters: str | None = None,
        posterior: Posterior | str | Path | None = None,
    ) -> None:
        self.scenario = scenario
        self.outcome = outcome
        self.samples = samples
        self.seed = seed
        self.factors = factors
        self.boxes = boxes
        self.min_density = min_density
        self.min_cases = min_cases
        self.significance = significance
        self.mass_min = mass_min
        self.peel_alpha = peel_alpha
        self.cart = cart
        self.workers = workers
        self.backend = backend
        self.store = store
        self.chunk_size = chunk_size
        self.name = name
        self.parameters = parameters
        self.posterior = posterior

    def _check(self) -> None:
        if self.samples < 10:
            raise SimulationError(f"samples must be at least 10, not {self.samples}")
        if self.min_density is not None and not 0 < self.min_density <= 1:
            raise SimulationError(f"min_density must lie in (0, 1], not {self.min_density}")
        if self.significance is not None and not 0 < self.significance < 1:
            raise SimulationError(f"significance must lie in (0, 1), not {self.significance}")
        if not 0 < self.mass_min < 1 or not 0 < self.peel_alpha < 1:
            raise SimulationError("mass_min and peel_alpha must lie in (0, 1)")
        if self.boxes < 1:
            raise SimulationError(f"boxes must be at least 1, not {self.boxes}")

    def _describe(self) -> str:
        return f"{self.outcome}, {self.samples} samples"

    def planned_runs(self) -> int:
        """How many runs ``run()`` will simulate (for a progress bar)."""
        self._check()
        return self.samples

    def run(self, progress: Callable[[int], None] | None = None) -> Discovery:
        """Sample, simulate, and peel."""
        self._check()
        started = time.perf_counter()
        s, c = self._load()
        facs = select_factors(s, self.factors)
        (out,) = check(c, [self.outcome], binary=True)
        prob = problem([f.target for f in facs], [[f.low, f.high] for f in facs])
        x = deps.salib("sample.latin").sample(prob, self.samples, seed=self.seed)
        design = Design(
            np.arange(self.samples, dtype=np.int64), {f.target: x[:, j] for j, f in enumerate(facs)}
        )
        y = evaluate(
            s, design, [out.name], self.seed, workers=self.workers, backend=self.backend,
            chunk_size=self.chunk_size, progress=progress, posterior=self.resolved_posterior(),
        )[:, 0] > 0.5  # fmt: skip
        self.label_ = out.label
        self.X_ = pd.DataFrame(x, columns=prob["names"])
        self.y_ = y
        self.base_rate_ = float(y.mean())
        self.density_ = self.min_density or (1 + self.base_rate_) / 2
        self.prim_boxes_: list[Any] = []
        self.chosen_: list[int] = []
        frames = []
        self.cases_ = int(y.sum())
        if min(self.cases_, self.samples - self.cases_) >= self.min_cases:
            frames.append(self._prim())
            if self.cart:
                frames.append(self._cart())
        self.boxes_ = (
            pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=BOX_COLUMNS)
        )
        self.runs_ = self.samples
        self.seconds_ = time.perf_counter() - started
        self.analysis_id_ = self._save(
            s, {"analysis_boxes": self.boxes_}, self.samples, self.runs_, self.seconds_,
            {"outcome": {"name": out.name, "label": out.label, "base_rate": self.base_rate_}},
        )  # fmt: skip
        return self

    def _prim(self) -> pd.DataFrame:
        prim = deps.ema("prim")
        rows = []
        with deps.ema_quiet():
            # PRIM's threshold only decides whether a finished box is kept: keep every
            # box and choose the step on its trajectory here (module docstring)
            p = prim.Prim(
                self.X_, self.y_.astype(np.int64), threshold=1e-9, peel_alpha=self.peel_alpha,
                mass_min=self.mass_min,
            )  # fmt: skip
            for b in range(self.boxes):
                box = p.find_box()
                if box is None or len(box.peeling_trajectory) < 2:
                    break
                traj = box.peeling_trajectory
                ok = traj.index[traj["density"] >= self.density_]
                i = int(traj.loc[ok, "coverage"].idxmax() if len(ok) else traj["density"].idxmax())
                box.select(i)
                for factor in self._noise(box.qp[i]):
                    box.drop_restriction(factor)
                i = box._cur_box  # the box without the dropped restrictions
                box.select(i)
                self.prim_boxes_.append(box)
                self.chosen_.append(i)
                step = box.peeling_trajectory.loc[i]
                rows += _box_rows(self.outcome, "prim", b, box.box_lims[i], p.box_init, step)
        return pd.DataFrame(rows, columns=BOX_COLUMNS)

    def _noise(self, qp: dict[str, list[float]]) -> list[str]:
        """Restrictions whose quasi-p values (-1: that side is not restricted) are all
        at or above ``significance``."""
        if self.significance is None:
            return []
        alpha = self.significance
        return [f for f, ps in qp.items() if all(p < 0 or p >= alpha for p in ps)]

    def _cart(self) -> pd.DataFrame:
        cart = deps.ema("cart")
        with deps.ema_quiet():
            tree = cart.CART(self.X_, self.y_, mass_min=self.mass_min)
            tree.build_tree()
            lims, stats = tree.boxes, tree.stats
        dens = [float(st["density"]) for st in stats]
        good = [k for k in range(len(stats)) if dens[k] >= self.density_]
        good = sorted(good, key=lambda k: -float(stats[k]["coverage"]))[: max(self.boxes, 3)]
        rows = []
        for b, k in enumerate(good or [int(np.argmax(dens))]):
            st = stats[k]
            n = round(float(st["mass"]) * len(self.y_))
            stat = {
                "coverage": st["coverage"],
                "density": st["density"],
                "mass": st["mass"],
                "n": n,
            }
            rows += _box_rows(self.outcome, "cart", b, lims[k], _init(self.X_), stat)
        return pd.DataFrame(rows, columns=BOX_COLUMNS)

    def trajectory(self, box: int = 0) -> pd.DataFrame:
        """The peeling trajectory of a PRIM box: coverage, density, mass, res_dim per step."""
        return self.prim_boxes_[box].peeling_trajectory[["coverage", "density", "mass", "res_dim"]]


def _init(x: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame([x.min(), x.max()])


def _box_rows(
    outcome: str, method: str, box: int, lims: pd.DataFrame, init: pd.DataFrame, stat: Any
) -> list[tuple[Any, ...]]:
    """One row per factor the box restricts (one row with factor "(none)", if none)."""
    restricted = [
        f for f in lims.columns
        if not (np.isclose(lims[f].iloc[0], init[f].iloc[0]) and np.isclose(lims[f].iloc[1], init[f].iloc[1]))
    ]  # fmt: skip
    common = (float(stat["coverage"]), float(stat["density"]), float(stat["mass"]), int(stat["n"]))
    if not restricted:
        return [(outcome, method, box, NONE, float("nan"), float("nan"), *common)]
    return [
        (outcome, method, box, f, float(lims[f].iloc[0]), float(lims[f].iloc[1]), *common)
        for f in restricted
    ]
