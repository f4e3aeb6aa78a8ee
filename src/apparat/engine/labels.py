"""Labelled views of a batch: actor ids and 'YYYY-MM' months instead of integer codes.

The engine keeps its results as arrays of codes (fast, small); these helpers turn them
into what a pandas or xarray user expects to read. pandas and xarray are imported only
here, and only when asked, so a single run starts fast.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from apparat.engine.compiled import Compiled
from apparat.errors import MissingDependencyError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from apparat.engine.simulate import SimulationResult


def decode(codes: NDArray[Any], labels: list[str], missing: str = "") -> NDArray[np.object_]:
    """``labels[code]`` for every code, ``missing`` where the code is -1 (none). Object
    arrays of shared strings: a pointer per cell, where fixed-width text would cost
    up to 20 times the memory of the codes."""
    table = np.array([*labels, missing], dtype=object)
    return table[np.where(np.asarray(codes) >= 0, codes, len(labels))]


def months(c: Compiled, n: int) -> list[str]:
    """The first ``n`` months of the scenario as 'YYYY-MM'."""
    return [c.label(m) for m in range(n)]


def _month_or_none(c: Compiled, codes: NDArray[np.int64]) -> list[str | None]:
    return [c.label(int(m)) if m >= 0 else None for m in codes]


def _actor_or_none(c: Compiled, codes: NDArray[np.int64]) -> list[str | None]:
    return [c.actors[int(a)] if a >= 0 else None for a in codes]


def outcomes_frame(res: SimulationResult) -> pd.DataFrame:
    """One row per run, indexed by the run's global index; leaders as actor ids and
    months as 'YYYY-MM' (None where there is none), one column per decision taken
    (the option chosen, None where the run did not face it)."""
    import pandas as pd

    c, o = res.compiled, res.outcomes
    cols: dict[str, Any] = {
        "dominant_end": _actor_or_none(c, o.dominant_end),
        "consolidation_month": _month_or_none(c, o.consolidation_month),
        "strongest_end": _actor_or_none(c, o.strongest_end),
    }
    options = {d.id: [x.id for x in d.options] for ds in c.decisions.values() for d in ds}
    for decision, picks in o.choices.items():
        opts = options.get(decision, [])
        cols[decision] = [opts[int(k)] if k >= 0 else None for k in picks]
    # object columns keep None as None (pandas' string inference would make it NaN)
    index = pd.Index(o.runs, name="run")
    return pd.DataFrame({k: pd.Series(v, index=index, dtype=object) for k, v in cols.items()})


def actor_frame(res: SimulationResult) -> pd.DataFrame:
    """One row per run and actor: when he left the executive under sanction ('YYYY-MM',
    None if never), his sanction at the end (by name) and whether he died."""
    import pandas as pd

    c, o = res.compiled, res.outcomes
    index = pd.MultiIndex.from_product([o.runs, c.actors], names=["run", "actor"])
    return pd.DataFrame(
        {
            "defeat_month": _month_or_none(c, o.defeat_month.ravel()),
            "final_sanction": decode(o.final_sanction.ravel(), list(c.sanctions.names)),
            "died": o.died.ravel(),
        },
        index=index,
    )


def to_xarray(res: SimulationResult) -> xr.Dataset:
    """The monthly record as an xarray Dataset with dims (run, month, actor, office,
    axis); who holds an office, leads a bloc or dominates is an actor id ('' none), a
    sanction its name."""
    try:
        import xarray as xr
    except ImportError as e:  # an optional dependency, like the analysis tools
        raise MissingDependencyError(
            "to_xarray() needs xarray: pip install 'apparat[analysis]'"
        ) from e
    c, h, n = res.compiled, res.history, res.months
    rm = ("run", "month")
    actors, sanctions = c.actors, list(c.sanctions.names)
    data = {
        "power": ((*rm, "actor"), h.power[:, :n]),
        "prestige": ((*rm, "actor"), h.prestige[:, :n]),
        "executive": ((*rm, "actor"), h.executive[:, :n]),
        "ruling": ((*rm, "actor"), h.ruling[:, :n]),
        "sanction": ((*rm, "actor"), decode(h.sanction[:, :n], sanctions)),
        "bloc": ((*rm, "actor"), decode(h.bloc[:, :n], actors)),
        "holder": ((*rm, "office"), decode(h.holder[:, :n], actors)),
        "line": ((*rm, "axis"), h.line[:, :n]),
        "dominant": (rm, decode(h.dominant[:, :n], actors)),
    }
    coords = {
        "run": res.outcomes.runs,
        "month": months(c, n),
        "actor": actors,
        "office": c.offices,
        "axis": c.axes,
        "name": ("actor", c.names),
    }
    attrs = {"scenario": c.scenario.scenario.id, "seed": res.seed, "start": c.start}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def summary(res: SimulationResult) -> str:
    """One line: who is dominant at the end in what share of the runs."""
    ends = Counter(int(a) for a in res.outcomes.dominant_end)
    n = len(res.outcomes.dominant_end)
    parts = [
        f"{res.compiled.actors[a] if a >= 0 else 'no one'} {k / n:.0%}"
        for a, k in sorted(ends.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return "dominant at the end: " + ", ".join(parts[:4]) + (", ..." if len(parts) > 4 else "")


def describe(res: SimulationResult) -> str:
    """The short repr: what was run, and the one-line summary."""
    c = res.compiled
    end = c.label(res.months - 1)
    return (
        f"<SimulationResult {c.scenario.scenario.id}: {len(res.outcomes.runs)} runs, "
        f"seed {res.seed}, {res.months} months {c.start} to {end}; {summary(res)}>"
    )
