"""A scenario's sanction repertoire compiled to lookup tables indexed by sanction level.

Level 0 is no sanction; level k is the k-th sanction of the repertoire, lightest first.
A target's level is the heaviest sanction he has reached, and his status is the union
of the effects of every sanction up to it (a man expelled has also lost his CC seat).
The mechanisms read only these tables, never a level number: which level takes the
executive seat, which expels, which a body may vote, is the scenario's to say.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from apparat.scenario.rules import SESSION_KINDS, Rules

B = NDArray[np.bool_]
F = NDArray[np.float64]
I = NDArray[np.int64]


@dataclass(frozen=True)
class Repertoire:
    names: tuple[str, ...]  # (L + 1,): "none" first
    no_office: B  # (L + 1,): barred from offices at this level
    out_executive: B
    out_cc: B
    expelled: B
    detained: B
    dead: B
    takes_best: B  # the sanction's own effect: the target loses his most valuable office
    takes_all: B  # cumulative: he loses every office
    prestige: F  # standing lost at once on reaching the level
    requires: I  # (L + 1,): the level the target must already have, 0 none
    needs_force: B
    needs_illegal: B  # (L + 1,): imposed only on a target charged with illegal faction work
    repeat_level: int  # the rung that may strike again for the next office (0: none)
    imposed_by: dict[str, B]  # session kind -> (L + 1,) whether it may impose the level
    recant_to: I  # (L + 1,): the level a recantation brings him back to
    rehabilitable: B  # the level can be lifted by rehabilitation
    rehabilitate_to: I  # (L + 1,): the level a rehabilitation brings him back to
    session: dict[str, int]  # rungs one vote of each kind may climb
    only_at: dict[str, B]  # event id -> (L + 1,): restricted levels it may impose
    restricted: B  # (L + 1,): the level may be imposed only at the sessions its rule names

    def imposable(self, kind: str, event: str | None) -> B:
        """(L + 1,): the levels a session of this kind (the calendar's ``event``, if
        one) may impose: a level restricted to named sessions only at those."""
        named = self.only_at.get(event or "", np.zeros_like(self.restricted))
        return self.imposed_by[kind] & (~self.restricted | named)

    @property
    def top(self) -> int:
        return len(self.names) - 1

    def index(self, name: str) -> int:
        return self.names.index(name)

    def first(self, status: B) -> int:
        """The lightest level with ``status`` (one past the top if none)."""
        hits = np.flatnonzero(status)
        return int(hits[0]) if hits.size else len(self.names)

    def level(self, value: int | str | None, default: int) -> int:
        """A rank or a sanction id as a level (``default`` for None)."""
        if value is None:
            return default
        return value if isinstance(value, int) else self.index(value)


def compile_repertoire(rules: Rules) -> Repertoire:
    sanctions = rules.sanctions
    n = len(sanctions) + 1

    def cumulative(flag: str) -> B:
        own = np.array([False] + [getattr(s.effects, flag) for s in sanctions])
        return np.logical_or.accumulate(own)

    offices = [s.effects.offices for s in sanctions]
    no_office = np.logical_or.accumulate(np.array([False] + [o != "none" for o in offices]))
    ids = [s.id for s in sanctions]
    requires = np.zeros(n, dtype=np.int64)
    for k, s in enumerate(sanctions, start=1):
        requires[k] = ids.index(s.requires) + 1 if s.requires else 0
    recant_to = np.arange(n, dtype=np.int64)
    rehabilitate_to = np.arange(n, dtype=np.int64)
    for k in range(1, n):
        if sanctions[k - 1].reversal == "recant":
            recant_to[k] = recant_to[k - 1]
        if sanctions[k - 1].reversal == "rehabilitation":
            rehabilitate_to[k] = rehabilitate_to[k - 1]
    return Repertoire(
        names=("none", *ids),
        no_office=no_office,
        out_executive=cumulative("executive"),
        out_cc=cumulative("central_committee"),
        expelled=cumulative("membership"),
        detained=cumulative("liberty"),
        dead=cumulative("life"),
        takes_best=np.array([False] + [o == "best" for o in offices]),
        takes_all=np.logical_or.accumulate(np.array([False] + [o == "all" for o in offices])),
        prestige=np.array([0.0] + [s.effects.prestige for s in sanctions]),
        requires=requires,
        needs_force=np.array([False] + [s.needs_force for s in sanctions]),
        needs_illegal=np.array([False] + [s.grounds == "illegal_work" for s in sanctions]),
        repeat_level=next((k for k, s in enumerate(sanctions, start=1) if s.repeat), 0),
        imposed_by={
            kind: np.array([False] + [kind in s.imposed_by for s in sanctions])
            for kind in SESSION_KINDS
        },
        recant_to=recant_to,
        rehabilitable=np.array([False] + [s.reversal == "rehabilitation" for s in sanctions]),
        rehabilitate_to=rehabilitate_to,
        session=rules.session.model_dump(),
        only_at={
            ev: np.array([False] + [ev in s.only_at for s in sanctions])
            for ev in {e for s in sanctions for e in s.only_at}
        },
        restricted=np.array([False] + [bool(s.only_at) for s in sanctions]),
    )
