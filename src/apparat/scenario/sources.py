"""Sources of any kind: a local text file cited by line, or a book, an article, a
chapter, a report cited by page (or by section where the copy read has no page
numbers), or a web page cited by section (or as a whole).

A scenario lists its sources under ``sources:``; every citation names one of them and
gives the kind of location that suits it (see ``location_problem``). Only a local file
can be checked word for word: ``quote_problems`` verifies that each quote stands on the
lines it cites.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from apparat.errors import ScenarioError
from apparat.scenario.citations import Citation, Location
from apparat.scenario.reading import read_text

SourceKind = Literal["file", "book", "article", "chapter", "web", "report"]
KINDS: tuple[str, ...] = ("file", "book", "article", "chapter", "web", "report")
PAGED = ("book", "article", "chapter", "report")  # cited by page
# the locations a citation of each kind of source may give (None: the source as a whole)
LOCATIONS: dict[str, tuple[Location | None, ...]] = {
    "file": ("line",),
    # a page, or a chapter or section where the copy read has no page numbers (an e-book)
    **dict.fromkeys(PAGED, ("page", "section")),
    "web": ("section", None),
}
MAX_SOURCE_BYTES = 64 << 20  # a source text may be a whole book
_PAGES = re.compile(r"^\s*(\d+)\s*(?:[-–]\s*(\d+)\s*)?$")


def _text(value: object) -> object:
    """YAML reads an unquoted 1997 as a number and 2026-12-06 as a date: keep them as text."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_text)]


def page_range(pages: str | None) -> tuple[int, int] | None:
    """The pages a source spans: 'N' (a book of N pages) is 1..N, 'N-M' (an article or
    chapter inside a journal or book) is N..M; None when the source does not say."""
    if pages is None:
        return None
    match = _PAGES.match(pages)
    if match is None:
        return None
    if match[2] is None:
        return 1, int(match[1])
    return int(match[1]), int(match[2])


class Source(BaseModel):
    """A document the scenario cites.

    ``kind`` defaults to ``file`` when ``file`` is given; any other source names its kind.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
    kind: SourceKind = Field(
        default="file", description="file | book | article | chapter | web | report"
    )
    title: str
    language: str
    author: str | None = None
    date: Text | None = None
    file: str | None = Field(default=None, description="A local text file, cited by line.")
    url: str | None = Field(default=None, description="An http(s) address.")
    publisher: str | None = None
    accessed: Text | None = Field(
        default=None, description="When a web page was read, as YYYY-MM-DD."
    )
    pages: Text | None = Field(
        default=None,
        description="'N' (a book of N pages) or 'N-M' (the pages of an article or chapter).",
    )
    glosses: dict[str, str] = Field(
        default_factory=dict,
        description="English glosses of quotes in another language, keyed by the quote "
        "as the citations give it.",
    )

    @model_validator(mode="before")
    @classmethod
    def _default_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and "kind" not in data:
            if data.get("file") is None:
                raise ValueError(
                    "a source needs 'file' (a local text file, cited by line) or a 'kind' "
                    f"({' | '.join(k for k in KINDS if k != 'file')}) with its data"
                )
            return {**data, "kind": "file"}
        return data

    @field_validator("glosses")
    @classmethod
    def _glosses(cls, glosses: dict[str, str]) -> dict[str, str]:
        empty = [q for q, g in glosses.items() if not q.strip() or not g.strip()]
        if empty:
            raise ValueError(f"a gloss needs a quote and its English, not {empty[0]!r}")
        return {_normalise(q): " ".join(g.split()) for q, g in glosses.items()}

    @field_validator("url")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"url must be an http or https address, not {url!r}")
        return url

    @field_validator("accessed")
    @classmethod
    def _accessed(cls, accessed: str | None) -> str | None:
        if accessed is None:
            return None
        try:
            return date.fromisoformat(accessed).isoformat()
        except ValueError:
            raise ValueError(
                f"accessed must be a day written as YYYY-MM-DD, not {accessed!r}"
            ) from None

    @field_validator("pages")
    @classmethod
    def _pages(cls, pages: str | None) -> str | None:
        if pages is None:
            return None
        match = _PAGES.match(pages)
        if match is None or (match[2] is not None and int(match[2]) < int(match[1])):
            raise ValueError(
                f"pages must be 'N' (a book of N pages) or 'N-M' with N <= M "
                f"(the pages of an article or chapter), not {pages!r}"
            )
        return match[1] if match[2] is None else f"{match[1]}-{match[2]}"

    @model_validator(mode="after")
    def _kind_has_its_data(self) -> Source:
        if self.kind == "file" and self.file is None:
            raise ValueError("a source of kind 'file' needs 'file', the name of its text file")
        if self.kind != "file" and self.file is not None:
            raise ValueError(
                f"'file' is only for kind 'file' (a local text file, cited by line); "
                f"source '{self.id}' is {_a(self.kind)}: drop 'file' or make it kind 'file'"
            )
        if self.kind == "web" and self.url is None:
            raise ValueError("a source of kind 'web' needs a 'url' (an http or https address)")
        return self


def _a(kind: str) -> str:
    """'a book', 'an article', 'a web page'."""
    noun = "web page" if kind == "web" else kind
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _how(source: Source) -> str:
    """How a source of this kind is cited, with an example."""
    if source.kind == "file":
        return f'cite it by line, as "{source.id}:120"'
    if source.kind in PAGED:
        return f'cite it by page, as "{source.id} p. 412" or "{source.id} pp. 412-415"'
    return f'cite it by section, as "{source.id} §Section", or as a whole, as "{source.id}"'


def location_problem(cite: Citation, source: Source) -> str | None:
    """Why a citation's location does not suit its source's kind, or None when it does:
    a line for a file, a page for a book, article, chapter or report, a section or
    nothing for a web page."""
    given = cite.location_kind
    if given in LOCATIONS[source.kind]:
        if given == "page" and cite.page is not None:
            span = page_range(source.pages)
            last = cite.end_page or cite.page
            if span is not None and not span[0] <= cite.page <= last <= span[1]:
                return (
                    f"citation {cite} cites page(s) {cite.page}-{last}, outside the pages "
                    f"{span[0]}-{span[1]} of source '{source.id}'"
                )
        return None
    what = f"a {given}" if given else "no location"
    return f"citation {cite} gives {what}, but source '{source.id}' is {_a(source.kind)}: " + _how(
        source
    )


def citation_problem(cite: Citation, sources: Mapping[str, Source]) -> str | None:
    """Why a citation is wrong for the scenario's sources (an unknown source, or a
    location that does not suit its kind), or None."""
    source = sources.get(cite.source)
    if source is None:
        return f"citation names source '{cite.source}', which is not under 'sources'"
    return location_problem(cite, source)


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _lines(path: Path) -> list[str] | str | None:
    """The lines of a source file; None if it is absent, why it cannot be read if it
    is not a regular UTF-8 file (a source is checked, never trusted)."""
    if not path.is_file():
        return None
    try:
        return read_text(path, MAX_SOURCE_BYTES).splitlines()
    except ScenarioError as exc:
        return "; ".join(exc.problems)


def quote_problems(
    cites: Iterable[tuple[str, Citation]], sources: Iterable[Source], root: str | Path
) -> list[str]:
    """Each line citation of a local file that cites no existing line, or whose quote is
    not on the cited lines; the files are read from ``root``.

    ``cites`` pairs each citation with where it occurs (printed with the problem).
    Citations of books, articles and web pages cannot be checked here and are skipped.
    """
    by_id = {s.id: s for s in sources}
    lines: dict[str, list[str] | str | None] = {}
    out: list[str] = []
    for where, cite in cites:
        source = by_id.get(cite.source)
        if source is None or source.kind != "file" or source.file is None:
            continue
        head = f"{where}: {cite}"
        if cite.line is None:
            out.append(f"{head}: source '{source.id}' is a local file, cited by line")
            continue
        if source.id not in lines:
            lines[source.id] = _lines(Path(root) / source.file)
        text = lines[source.id]
        if text is None:
            out.append(f"{head}: file {source.file} of '{source.id}' is not in {root}")
            continue
        if isinstance(text, str):
            out.append(f"{head}: {text}")
            continue
        end = cite.end_line or cite.line
        if not 1 <= cite.line <= end <= len(text):
            out.append(f"{head}: lines {cite.line}-{end} not in 1-{len(text)}")
            continue
        passage = _normalise(" ".join(text[cite.line - 1 : end]))
        if cite.quote and _normalise(cite.quote) not in passage:
            out.append(f"{head}: quote not on the cited line(s)")
    return out


# ---------------------------------------------------------------- for the reader


def is_english(language: str) -> bool:
    """Whether a source's language is English ('English (translated from Russian)' is)."""
    return language.strip().lower().startswith("english")


def describe(source: Source) -> str:
    """A source as a reader meets it in a list: 'title — author (language)'."""
    author = f" — {source.author}" if source.author else ""
    return f"{source.title}{author} ({source.language})"


def gloss(cite: Citation, sources: Mapping[str, Source]) -> str | None:
    """The English gloss of a citation's quote, where its source gives one."""
    source = sources.get(cite.source)
    if source is None or not cite.quote:
        return None
    return source.glosses.get(_normalise(cite.quote))


def unglossed(cites: Iterable[Citation], sources: Mapping[str, Source]) -> list[Citation]:
    """The citations whose quote is in a language other than English and has no gloss."""
    out = []
    for c in cites:
        source = sources.get(c.source)
        if source is None or not c.quote or is_english(source.language):
            continue
        if gloss(c, sources) is None:
            out.append(c)
    return out


def stray_glosses(sources: Iterable[Source], cites: Iterable[Citation]) -> list[str]:
    """Glosses whose quote no citation gives (a quote edited, its gloss left behind)."""
    quoted = {(c.source, _normalise(c.quote)) for c in cites if c.quote}
    return [
        f"source '{s.id}': gloss of {q!r} matches no quote"
        for s in sources
        for q in s.glosses
        if (s.id, q) not in quoted
    ]


def cited_sources(
    cites: Iterable[Citation], sources: Mapping[str, Source]
) -> dict[str, dict[str, Any]]:
    """The documents some citations name, by id, as plain data for JSON: title, author,
    language, url, and the glosses of the quotes cited from them (in citation order)."""
    out: dict[str, dict[str, Any]] = {}
    for c in cites:
        source = sources.get(c.source)
        if source is None:
            continue
        doc = out.setdefault(
            source.id,
            {
                "title": source.title,
                "author": source.author,
                "language": source.language,
                "url": source.url,
                "glosses": {},
            },
        )
        english = gloss(c, sources)
        if c.quote and english is not None:
            doc["glosses"][c.quote] = english
    return out
