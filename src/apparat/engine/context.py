"""What every mechanism receives: the compiled scenario, the state, the streams, the chronicle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from apparat.engine.chronicle import Chronicle
from apparat.engine.compiled import Compiled
from apparat.engine.random import Streams
from apparat.engine.state import State
from apparat.scenario.citations import Citation


@dataclass
class Context:
    c: Compiled
    st: State
    rng: Streams
    log: Chronicle

    @property
    def month(self) -> int:
        return self.st.month

    @property
    def date(self) -> str:
        return self.c.label(self.st.month)

    def p(self, name: str) -> float:
        return self.c.params[name]

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
