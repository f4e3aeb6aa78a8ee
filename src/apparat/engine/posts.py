"""Who may hold an office, and from when, as arrays the step loop reads.

Compiled once per scenario from the offices' ``requires``/``unqualified``, ``from``,
``incompatible`` and ``base`` fields and the actors' ``careers`` (docs/scenarios.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from apparat.scenario.models import Scenario

B = NDArray[np.bool_]
I = NDArray[np.int64]


@dataclass(frozen=True)
class Posts:
    """The office profile arrays (O: offices, A: actors)."""

    qualified: B  # (O, A): who has a career the office requires (all, where it requires none)
    requires: B  # (O,): the office names careers
    strict: B  # (O,): without a qualified candidate it stays with no modelled holder
    opens: I  # (O,): month index from which it exists (<= 0: from the start)
    incompatible: B  # (O, O), symmetric: offices no one holds together
    leaves_cc: B  # (O,): who takes it gives up his CC seat (and so the executive's)
    leaves_executive: B  # (O,): who takes it gives up his executive seat
    base: B  # (O,): a power base the partners of a ruling coalition deny each other


def _month(start: str, month: str) -> int:
    y0, m0 = (int(x) for x in start.split("-"))
    y1, m1 = (int(x) for x in month.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


def compile_posts(s: Scenario) -> Posts:
    """Index the office profile fields of a validated scenario."""
    offices = [o.id for o in s.offices]
    n_off, n_act = len(offices), len(s.actors)
    careers = [{c.id for c in a.careers} for a in s.actors]
    qualified = np.ones((n_off, n_act), dtype=bool)
    for i, o in enumerate(s.offices):
        if o.requires:
            qualified[i] = [bool(set(o.requires) & have) for have in careers]
    when = {e.id: e.date for e in s.calendar}
    start = s.scenario.start
    opens = np.array(
        [
            _month(start, when.get(o.from_, o.from_)) if o.from_ is not None else -1
            for o in s.offices
        ],
        dtype=np.int64,
    )
    incompatible = np.zeros((n_off, n_off), dtype=bool)
    role = {b.id: b.role for b in s.bodies}
    leaves_cc = np.zeros(n_off, dtype=bool)
    leaves_executive = np.zeros(n_off, dtype=bool)
    for i, o in enumerate(s.offices):
        for name in o.incompatible:
            if name in offices:
                j = offices.index(name)
                incompatible[i, j] = incompatible[j, i] = True
            elif role.get(name) == "central_committee":
                leaves_cc[i] = leaves_executive[i] = True
            elif role.get(name) == "executive":
                leaves_executive[i] = True
    return Posts(
        qualified=qualified,
        requires=np.array([bool(o.requires) for o in s.offices]),
        strict=np.array([o.unqualified == "none" for o in s.offices]),
        opens=opens,
        incompatible=incompatible,
        leaves_cc=leaves_cc,
        leaves_executive=leaves_executive,
        base=np.array([o.base for o in s.offices]),
    )
