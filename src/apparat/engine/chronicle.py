"""The chronicle: what happened in a run, in words, with the sources behind it and why.

Only the runs asked for are chronicled (a 10,000-run ensemble keeps aggregates, not
prose). Each entry keeps its 'why': the votes, strengths and draw that decided it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from apparat.scenario.citations import Citation


@dataclass(frozen=True)
class Entry:
    run: int
    month: int
    date: str
    kind: str
    text: str
    actors: tuple[str, ...] = ()
    cites: tuple[str, ...] = ()
    why: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "month": self.month,
            "date": self.date,
            "kind": self.kind,
            "text": self.text,
            "actors": list(self.actors),
            "cites": list(self.cites),
            "why": self.why,
        }


class Chronicle:
    """Collects entries for the tracked rows of a batch."""

    def __init__(self, runs: NDArray[np.int64], tracked: NDArray[np.bool_]) -> None:
        self.runs = runs
        self.tracked = tracked
        self.entries: list[Entry] = []
        self.any = bool(tracked.any())

    def subset(self, rows: NDArray[np.intp]) -> Chronicle:
        """The chronicle of some rows: entries go to the same list, under their own runs."""
        sub = Chronicle(self.runs[rows], self.tracked[rows])
        sub.entries = self.entries
        return sub

    def rows(self, mask: NDArray[np.bool_] | None = None) -> list[int]:
        """Tracked rows, optionally restricted to a mask over the batch."""
        if not self.any:
            return []
        sel = self.tracked if mask is None else self.tracked & mask
        return [int(r) for r in np.flatnonzero(sel)]

    def add(
        self,
        row: int,
        month: int,
        date: str,
        kind: str,
        text: str,
        actors: tuple[str, ...] = (),
        cites: list[Citation] | tuple[Citation, ...] = (),
        why: dict[str, Any] | None = None,
    ) -> None:
        self.entries.append(
            Entry(
                run=int(self.runs[row]),
                month=month,
                date=date,
                kind=kind,
                text=text,
                actors=actors,
                cites=tuple(dict.fromkeys(str(c) for c in cites)),
                why=why or {},
            )
        )
