"""Citations: every fact in a scenario points at a source passage.

A citation names a source and a location in it, with a short quote where it helps.
Written compactly in YAML:

- ``"S4:120"``, ``"S4:120-125"``: a line or lines of a local text file;
- ``"macfarquhar1997 p. 412"``, ``"macfarquhar1997 pp. 412-415"``: a page or pages of a
  book, article, chapter or report;
- ``"wiki_hua §Rise to power"``: a section of a web page (the section runs up to the
  quote, or to the end);
- ``"wiki_hua"``: a web page as a whole;

each optionally followed by ``'a short quote'`` (or ``"a short quote"``). The mapping
form spells the same out: ``{source: wiki_hua, section: Downfall, quote: "..."}``, with
the keys ``line``/``end_line``, ``page``/``end_page`` or ``section``; it is the way to
write a section whose name starts with a quotation mark or holds one after a space. Quotes are kept short on purpose: the
project cites its sources, it does not copy them.

Which location suits which kind of source is checked against the scenario's sources
(``apparat.scenario.sources.location_problem``).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_QUOTE_CHARS = 200

Location = Literal["line", "page", "section"]

_ID = r"^\s*(?P<source>[A-Za-z][\w-]*)"
_RANGE = r"(?P<start>\d+)(?:\s*[-–]\s*(?P<end>\d+))?"
_QUOTE = r"""(?:\s+(?P<q>["'])(?P<quote>.*)(?P=q))?\s*$"""
_FORMS: tuple[tuple[Location | None, re.Pattern[str]], ...] = (
    ("line", re.compile(_ID + r"\s*:\s*" + _RANGE + _QUOTE, re.DOTALL)),
    ("page", re.compile(_ID + r"\s+pp?\.\s*" + _RANGE + _QUOTE, re.DOTALL)),
    ("section", re.compile(_ID + r"\s+§\s*(?P<section>[^\s'\"].*?)?" + _QUOTE, re.DOTALL)),
    (None, re.compile(_ID + _QUOTE, re.DOTALL)),
)
FORMS = (
    '"S4:120", "S4:120-125", "ID p. 412", "ID pp. 412-415", "ID §Section" or "ID", '
    "each optionally followed by 'a short quote'"
)


def _parse(text: str) -> dict[str, Any]:
    """The fields of a compact citation."""
    for kind, pattern in _FORMS:
        match = pattern.match(text)
        if match is None:
            continue
        out: dict[str, Any] = {"source": match["source"], "quote": match["quote"]}
        if kind == "section":
            out["section"] = (match["section"] or "").strip()
            if not out["section"]:
                raise ValueError(f"citation {text!r} names no section after '§'")
        elif kind is not None:
            start, end = int(match["start"]), int(match["end"]) if match["end"] else None
            out.update({kind: start, f"end_{kind}": end})
        return out
    raise ValueError(f"citation {text!r} is not of the form {FORMS}")


class Citation(BaseModel):
    """A pointer to a passage of a source document (lines, pages or a section, or the
    document as a whole), optionally with a short quote."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(description="Id of a document listed under `sources`.")
    line: int | None = Field(default=None, ge=1, description="First line (1-based), files.")
    end_line: int | None = Field(default=None, ge=1, description="Last line of a range.")
    page: int | None = Field(default=None, ge=1, description="First page: books, articles.")
    end_page: int | None = Field(default=None, ge=1, description="Last page of a range.")
    section: str | None = Field(default=None, description="A section of a web page.")
    quote: str | None = Field(default=None, max_length=MAX_QUOTE_CHARS)

    @model_validator(mode="before")
    @classmethod
    def _parse_compact(cls, data: Any) -> Any:
        return _parse(data) if isinstance(data, str) else data

    @field_validator("section")
    @classmethod
    def _section(cls, section: str | None) -> str | None:
        if section is not None and not section.strip():
            raise ValueError("section must name a section, not be empty")
        return section.strip() if section is not None else None

    @model_validator(mode="after")
    def _one_location(self) -> Citation:
        given = [k for k in ("line", "page", "section") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(
                f"a citation gives one location (a line, a page or a section), "
                f"not {' and '.join(repr(k) for k in given)}"
            )
        for kind in ("line", "page"):
            start, end = getattr(self, kind), getattr(self, f"end_{kind}")
            if end is not None and start is None:
                raise ValueError(f"'end_{kind}' needs a '{kind}' to start from")
            if end is not None and end < start:
                raise ValueError(f"'end_{kind}' {end} comes before '{kind}' {start}")
        return self

    @property
    def location_kind(self) -> Location | None:
        """Which kind of location the citation gives: line, page, section, or None."""
        if self.line is not None:
            return "line"
        if self.page is not None:
            return "page"
        if self.section is not None:
            return "section"
        return None

    @property
    def where(self) -> str:
        """The citation without its quote: 'S4:120-125', 'ID pp. 412-415', 'ID §Section'."""
        if self.line is not None:
            end = f"-{self.end_line}" if self.end_line is not None else ""
            return f"{self.source}:{self.line}{end}"
        if self.page is not None:
            if self.end_page is not None:
                return f"{self.source} pp. {self.page}-{self.end_page}"
            return f"{self.source} p. {self.page}"
        if self.section is not None:
            return f"{self.source} §{self.section}"
        return self.source

    def __str__(self) -> str:
        return f"{self.where} '{self.quote}'" if self.quote else self.where


def as_list(value: Any) -> Any:
    """Let YAML give one citation where a list is expected."""
    if isinstance(value, str | dict):
        return [value]
    return value
