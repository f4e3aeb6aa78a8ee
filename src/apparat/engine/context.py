"""What every mechanism receives: the compiled scenario, the state, the streams, the chronicle."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from apparat.engine.chronicle import Chronicle
from apparat.engine.compiled import Compiled
from apparat.engine.random import Streams
from apparat.engine.state import State, param
from apparat.scenario.citations import Citation

F = NDArray[np.float64]


@dataclass
class Context:
    c: Compiled
    st: State
    rng: Streams
    log: Chronicle
    choices: dict[str, NDArray[np.int64]] = field(default_factory=dict)  # decided so far

    @property
    def month(self) -> int:
        return self.st.month

    @property
    def date(self) -> str:
        return self.c.label(self.st.month)

    def subset(self, rows: NDArray[np.intp]) -> Context:
        """A context over some runs only; write results back with ``st.put``."""
        return Context(self.c, self.st.take(rows), self.rng.subset(rows), self.log.subset(rows))

    def p(self, name: str, ndim: int = 1, rows: NDArray[np.intp] | None = None) -> float | F:
        """A parameter, per run when a sweep varies it (see :func:`state.param`)."""
        return param(self.c, self.st, name, ndim, rows)

    def note(
        self,
        row: int,
        kind: str,
        text: str,
        actors: tuple[str, ...] = (),
        why: dict[str, object] | None = None,
        cites: Sequence[Citation] = (),
        params: tuple[str, ...] = (),
    ) -> None:
        """Chronicle an entry for a tracked row, citing the parameters' sources too."""
        all_cites = [*cites, *self.c.cites(*params)]
        self.log.add(row, self.month, self.date, kind, text, actors, all_cites, why)

    def name(self, actor: int) -> str:
        return self.c.names[actor] if actor >= 0 else "nobody"


def on_rows(
    ctx: Context,
    rows: NDArray[np.bool_],
    work: Callable[[Context], None],
    changes: tuple[str, ...] | None = None,
) -> None:
    """Do ``work`` for the runs in ``rows`` only, computing nothing for the others.

    Every mechanism is row-wise (a run's luck is keyed by its global index), so working
    on a subset gives those runs exactly what working on the whole batch would.
    ``changes`` names the state arrays ``work`` may change (default: all of them).
    """
    sel = np.flatnonzero(rows)
    if sel.size == ctx.st.runs:
        work(ctx)
    elif sel.size:
        sub = ctx.subset(sel)
        work(sub)
        ctx.st.put(sel, sub.st, sub.st.per_run() if changes is None else changes)
