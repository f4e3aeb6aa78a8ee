"""Citations: every fact in a scenario points at a source passage.

A citation is written compactly in YAML as ``"S4:120"`` (source id and line),
``"S4:120-125"`` (a line range) or ``"S4:120 'a short quote'"``. Quotes are kept
short on purpose: the project cites its sources, it does not copy them.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_QUOTE_CHARS = 200

_COMPACT = re.compile(
    r"""^\s*(?P<source>[A-Za-z][\w-]*)\s*:\s*(?P<start>\d+)(?:\s*-\s*(?P<end>\d+))?
        (?:\s+(?P<q>["'])(?P<quote>.*)(?P=q))?\s*$""",
    re.VERBOSE | re.DOTALL,
)


class Citation(BaseModel):
    """A pointer to lines of a source document, optionally with a short quote."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(description="Id of a document listed under `sources`.")
    line: int = Field(ge=1, description="First line of the passage (1-based).")
    end_line: int | None = Field(default=None, ge=1)
    quote: str | None = Field(default=None, max_length=MAX_QUOTE_CHARS)

    @model_validator(mode="before")
    @classmethod
    def _parse_compact(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        match = _COMPACT.match(data)
        if match is None:
            raise ValueError(
                f'citation {data!r} is not of the form "S4:120", "S4:120-125" '
                "or \"S4:120 'short quote'\""
            )
        return {
            "source": match["source"],
            "line": int(match["start"]),
            "end_line": int(match["end"]) if match["end"] else None,
            "quote": match["quote"],
        }

    def __str__(self) -> str:
        loc = f"{self.line}" if self.end_line is None else f"{self.line}-{self.end_line}"
        text = f"{self.source}:{loc}"
        return f"{text} '{self.quote}'" if self.quote else text


def as_list(value: Any) -> Any:
    """Let YAML give one citation where a list is expected."""
    if isinstance(value, str | dict):
        return [value]
    return value
