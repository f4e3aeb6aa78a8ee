"""Sources of any kind: local files cited by line, books and articles by page, web pages
by section or as a whole; every malformed source or misplaced citation is refused with
its field and file:line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from apparat import ScenarioError, load_scenario
from apparat.scenario.citations import FORMS, Citation
from apparat.scenario.sources import Source, citation_problem, quote_problems

TOY = Path(__file__).parents[1] / "data" / "toy_triad.yaml"
T1 = "  - {id: T1, title: Toy source, language: en, file: toy.txt}"
ARMY = '{id: army, name: Army, force: 1.0, cite: "T1:1"}'
BOOK = "  - {id: mac1997, kind: book, title: Origins, author: R. M., date: 1997, language: en}"
ARTICLE = "  - {id: art, kind: article, title: An article, pages: 45-67, language: en}"
WEB = (
    "  - {id: wiki_hua, kind: web, title: Hua Guofeng, language: en,\n"
    "     url: 'https://en.wikipedia.org/wiki/Hua_Guofeng', accessed: 2026-12-06}"
)


@pytest.fixture
def toy() -> str:
    return TOY.read_text(encoding="utf-8")


def with_sources(toy: str, *sources: str, cite: str = '"T1:1"') -> str:
    """The toy with more sources after T1, and the army office cited by ``cite``."""
    assert toy.count(T1) == 1, f"{TOY} has changed"
    assert toy.count(ARMY) == 1, f"{TOY} has changed"
    text = toy.replace(T1, "\n".join([T1, *sources]))
    return text.replace(ARMY, ARMY.replace('"T1:1"', cite))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"expected one line containing {needle!r}, got {hits}"
    return hits[0]


# ---- the compact forms -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fields", "rendered"),
    [
        ("S4:120", {"line": 120}, "S4:120"),
        ("S4:120-125", {"line": 120, "end_line": 125}, "S4:120-125"),
        ("S4:120 'a short quote'", {"line": 120, "quote": "a short quote"}, None),
        (
            "macfarquhar1997 p. 412 'a short quote'",
            {"page": 412, "quote": "a short quote"},
            None,
        ),
        ("macfarquhar1997 pp. 412-415", {"page": 412, "end_page": 415}, None),
        ("macfarquhar1997 p.412", {"page": 412}, "macfarquhar1997 p. 412"),
        ("macfarquhar1997 pp. 412–415", {"page": 412, "end_page": 415}, None),
        (
            "wiki_hua §Rise to power 'a short quote'",
            {"section": "Rise to power", "quote": "a short quote"},
            None,
        ),
        ("wiki_hua §Downfall", {"section": "Downfall"}, None),
        ("wiki_hua § Mao's death", {"section": "Mao's death"}, "wiki_hua §Mao's death"),
        ("wiki_hua 'a short quote'", {"quote": "a short quote"}, None),
        ('wiki_hua "double quoted"', {"quote": "double quoted"}, "wiki_hua 'double quoted'"),
        ("wiki_hua", {}, None),
    ],
)
def test_compact_forms_parse_and_render_back(
    text: str, fields: dict[str, Any], rendered: str | None
) -> None:
    """Each compact form parses into its source, location and quote, and str() writes it
    back in the canonical form, which parses to the same citation."""
    cite = Citation.model_validate(text)
    empty = {"line": None, "end_line": None, "page": None, "end_page": None}
    empty |= {"section": None, "quote": None}
    expected = {"source": text.split(":")[0].split(" ")[0], **empty, **fields}
    assert cite.model_dump() == expected
    canonical = rendered or text.replace("–", "-")
    assert str(cite) == canonical
    assert Citation.model_validate(str(cite)) == cite


@pytest.mark.parametrize(
    ("data", "kind", "where"),
    [
        (
            {"source": "wiki_hua", "section": "Downfall", "quote": "q"},
            "section",
            "wiki_hua §Downfall",
        ),
        ({"source": "mac1997", "page": 412, "end_page": 415}, "page", "mac1997 pp. 412-415"),
        ({"source": "S4", "line": 120}, "line", "S4:120"),
        ({"source": "wiki_hua", "quote": "q"}, None, "wiki_hua"),
    ],
)
def test_mapping_form_gives_each_location(
    data: dict[str, Any], kind: str | None, where: str
) -> None:
    """The mapping form spells out a line, a page, a section or no location at all."""
    cite = Citation.model_validate(data)
    assert (cite.location_kind, cite.where) == (kind, where)


def test_a_section_with_quotation_marks_is_written_as_a_mapping() -> None:
    """A section name with quotation marks in it keeps them in the mapping form."""
    cite = Citation.model_validate({"source": "w", "section": "The 'Gang of Four'"})
    assert cite.section == "The 'Gang of Four'"


# ---- malformed citations ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("T1 line 5", re.escape(f"citation 'T1 line 5' is not of the form {FORMS}")),
        ("S4:p. 12", "is not of the form"),
        ("wiki_hua §  'a quote'", "citation \"wiki_hua §  'a quote'\" names no section after '§'"),
        ("wiki_hua §", "citation 'wiki_hua §' names no section after '§'"),
        ("S4:125-120", "'end_line' 120 comes before 'line' 125"),
        ("mac pp. 415-412", "'end_page' 412 comes before 'page' 415"),
        ({"source": "S4", "line": 3, "page": 4}, "one location .*not 'line' and 'page'"),
        ({"source": "w", "page": 4, "section": "A"}, "not 'page' and 'section'"),
        ({"source": "mac", "end_page": 4}, "'end_page' needs a 'page' to start from"),
        ({"source": "S4", "end_line": 4}, "'end_line' needs a 'line' to start from"),
        ({"source": "w", "section": "  "}, "section must name a section"),
        ({"source": "S4", "line": 0}, "line\n.*greater than or equal to 1"),
        ({"source": "S4", "line": 1, "chapter": 2}, "chapter\n.*Extra inputs"),
        ("S4:1 '" + "x" * 201 + "'", "quote\n.*at most 200 characters"),
    ],
)
def test_malformed_citation_is_refused_with_the_reason(data: object, message: str) -> None:
    """A citation of no accepted form, with two locations, an inverted range or an
    empty section is refused, and the message says which field and why."""
    with pytest.raises(ValidationError, match=message):
        Citation.model_validate(data)


# ---- sources: what loads ---------------------------------------------------------------


def test_sources_of_every_kind_load_with_their_citations(toy: str, tmp_path: Path) -> None:
    """A book, an article and a web page load beside a local file, each cited where it
    suits (a page, a page in the article's range, a section and the whole page); YAML's
    unquoted year and day are kept as text."""
    report = "  - {id: rep, kind: report, title: A report, publisher: CC, language: en}"
    chapter = "  - {id: ch, kind: chapter, title: A chapter, pages: '10-30', language: en}"
    cites = (
        '["T1:1", "mac1997 p. 412 \'a quote\'", "art pp. 50-51", '
        '"wiki_hua §Rise to power \'a quote\'", "wiki_hua", '
        "{source: rep, page: 3}, {source: ch, page: 10, end_page: 30}]"
    )
    path = write(tmp_path, with_sources(toy, BOOK, ARTICLE, WEB, report, chapter, cite=cites))
    s = load_scenario(path)
    kinds = {src.id: src.kind for src in s.sources}
    assert kinds == {
        "T1": "file",
        "mac1997": "book",
        "art": "article",
        "wiki_hua": "web",
        "rep": "report",
        "ch": "chapter",
    }
    web = next(src for src in s.sources if src.id == "wiki_hua")
    assert (web.url, web.accessed) == ("https://en.wikipedia.org/wiki/Hua_Guofeng", "2026-12-06")
    assert next(src for src in s.sources if src.id == "mac1997").date == "1997"
    army = next(o for o in s.offices if o.id == "army")
    assert [c.location_kind for c in army.cite] == [
        "line",
        "page",
        "page",
        "section",
        None,
        "page",
        "page",
    ]


def test_a_source_with_a_file_is_a_file_source() -> None:
    """Without a kind, a source that names a file is of kind 'file'."""
    source = Source.model_validate({"id": "S4", "title": "t", "language": "en", "file": "x.txt"})
    assert source.kind == "file"


# ---- sources: what does not load -------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "field", "message"),
    [
        (
            "  - {id: T2, title: No kind, language: en}",
            "sources[1]",
            "a source needs 'file' .* or a 'kind' .*book \\| article",
        ),
        (
            "  - {id: T2, kind: file, title: No file, language: en}",
            "sources[1]",
            "a source of kind 'file' needs 'file'",
        ),
        (
            "  - {id: T2, kind: web, title: No url, language: en}",
            "sources[1]",
            "a source of kind 'web' needs a 'url'",
        ),
        (
            "  - {id: T2, kind: web, title: Ftp, language: en, url: 'ftp://example.org/x'}",
            "sources[1].url",
            "url must be an http or https address, not 'ftp://example.org/x'",
        ),
        (
            "  - {id: T2, kind: book, title: A book, language: en, file: b.txt}",
            "sources[1]",
            "'file' is only for kind 'file' .*source 'T2' is a book",
        ),
        (
            "  - {id: T2, kind: podcast, title: A podcast, language: en}",
            "sources[1].kind",
            "Input should be 'file', 'book', 'article', 'chapter', 'web' or 'report'",
        ),
        (
            "  - {id: T2, kind: web, title: W, language: en, url: 'https://x.org', accessed: soon}",
            "sources[1].accessed",
            "accessed must be a day written as YYYY-MM-DD, not 'soon'",
        ),
        (
            "  - {id: T2, kind: article, title: A, language: en, pages: 67-45}",
            "sources[1].pages",
            "pages must be 'N' .* or 'N-M' with N <= M .*not '67-45'",
        ),
        (
            "  - {id: T2, kind: book, title: A, language: en, isbn: '123'}",
            "sources[1].isbn",
            "Extra inputs are not permitted",
        ),
    ],
)
def test_malformed_source_is_refused_at_its_field_and_line(
    source: str, field: str, message: str, toy: str, tmp_path: Path
) -> None:
    """A source without its kind's data, or with a field of the wrong form, is refused
    with file:line, the field and the reason."""
    text = with_sources(toy, source)
    path = write(tmp_path, text)
    where = re.escape(f"{path}:{line_of(text, 'id: T2')}: {field}: ")
    with pytest.raises(ScenarioError, match=where + ".*" + message):
        load_scenario(path)


@pytest.mark.parametrize(
    ("cite", "message"),
    [
        ('"T1 p. 4"', "citation T1 p. 4 gives a page, but source 'T1' is a file: cite it by line"),
        ('"T1 §Intro"', "gives a section, but source 'T1' is a file"),
        ("\"T1 'a quote'\"", "gives no location, but source 'T1' is a file"),
        ('"mac1997:12"', "gives a line, but source 'mac1997' is a book: cite it by page"),
        ('"mac1997"', "citation mac1997 gives no location, but source 'mac1997' is a book"),
        ('"art p. 12"', "cites page\\(s\\) 12-12, outside the pages 45-67 of source 'art'"),
        ('"art pp. 60-70"', "cites page\\(s\\) 60-70, outside the pages 45-67"),
        (
            '"wiki_hua p. 2"',
            "gives a page, but source 'wiki_hua' is a web page: cite it by section",
        ),
        ('"art:2"', "gives a line, but source 'art' is an article: cite it by page"),
        ('"wiki_hua:2"', "gives a line, but source 'wiki_hua' is a web page"),
        ('"nowhere p. 2"', "citation names source 'nowhere', which is not under 'sources'"),
    ],
)
def test_a_location_that_does_not_suit_its_source_is_refused(
    cite: str, message: str, toy: str, tmp_path: Path
) -> None:
    """A line only for a local file, a page only for a book, article, chapter or report
    (and inside its pages), a section or nothing only for a web page: anything else is
    refused where the citation is, with how that source is cited."""
    text = with_sources(toy, BOOK, ARTICLE, WEB, cite=cite)
    path = write(tmp_path, text)
    where = re.escape(f"{path}:{line_of(text, 'id: army')}: offices[1].cite[0]: ")
    with pytest.raises(ScenarioError, match=where + ".*" + message):
        load_scenario(path)


def test_citation_problem_accepts_what_suits_each_kind() -> None:
    """Each kind accepts its own locations and nothing else (a book without page
    numbers, read as an e-book, is cited by chapter or section)."""
    sources = {
        "f": Source(id="f", title="t", language="en", file="f.txt"),
        "b": Source(id="b", kind="book", title="t", language="en"),
        "w": Source(id="w", kind="web", title="t", language="en", url="https://x.org"),
    }
    good = ["f:1", "f:1-2 'q'", "b p. 3", "b pp. 3-4", "b §S", "w §S", "w", "w 'q'"]
    bad = ["f p. 1", "f", "b:1", "b", "w:1", "w p. 1"]
    assert [citation_problem(Citation.model_validate(c), sources) for c in good] == [None] * len(
        good
    )
    assert all(citation_problem(Citation.model_validate(c), sources) for c in bad)


# ---- quotes in local files -------------------------------------------------------------


def test_quote_problems_check_lines_and_quotes_of_local_files_only(tmp_path: Path) -> None:
    """A quote must stand on the cited lines of a local file (whitespace aside); lines
    past the end, a missing file and a misplaced quote are reported; citations of
    books and web pages are not checked against any file."""
    (tmp_path / "doc.txt").write_text("first line\nthe second\n  line here\n", encoding="utf-8")
    sources = [
        Source(id="D", title="t", language="en", file="doc.txt"),
        Source(id="M", title="t", language="en", file="missing.txt"),
        Source(id="B", kind="book", title="t", language="en"),
    ]
    cites = {
        "ok": "D:2-3 'second line here'",
        "ok_no_quote": "D:1",
        "wrong_quote": "D:1 'the second'",
        "past_end": "D:3-4",
        "missing": "M:1",
        "book": "B p. 999 'anything'",
    }
    problems = quote_problems(
        [(where, Citation.model_validate(c)) for where, c in cites.items()], sources, tmp_path
    )
    assert problems == [
        "wrong_quote: D:1 'the second': quote not on the cited line(s)",
        "past_end: D:3-4: lines 3-4 not in 1-3",
        f"missing: M:1: file missing.txt of 'M' is not in {tmp_path}",
    ]
