"""Sources a reader can follow: wherever a citation is shown, its document's title,
author and language are one step away, and a quote in another language has an English
gloss."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apparat.api.app import explore_run
from apparat.cli.app import app
from apparat.engine import compile_scenario, simulate
from apparat.engine.chronicle import Entry
from apparat.experiments.presets import load_presets
from apparat.policies import ForcedChoice
from apparat.report.chronicle import chronicle_html, sources_html
from apparat.scenario import load_scenario
from apparat.scenario.citations import Citation
from apparat.scenario.models import Scenario
from apparat.scenario.record import load_record
from apparat.scenario.sources import Source, describe, gloss, stray_glosses, unglossed

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
GEORGIAN = "S3:51 'თითოეული დელეგაციისთვის ცალ-ცალკე'"


def _docs(s: Scenario) -> dict[str, Source]:
    return {d.id: d for d in s.sources}


def _all_citations(obj: object) -> list[Citation]:
    from pydantic import BaseModel

    if isinstance(obj, Citation):
        return [obj]
    if isinstance(obj, BaseModel):
        return [c for name in type(obj).model_fields for c in _all_citations(getattr(obj, name))]
    if isinstance(obj, list | tuple):
        return [c for x in obj for c in _all_citations(x)]
    if isinstance(obj, dict):
        return [c for x in obj.values() for c in _all_citations(x)]
    return []


def test_a_source_glosses_its_quotes_by_quote() -> None:
    source = Source.model_validate(
        {
            "id": "S9",
            "title": "Un titolo",
            "language": "Italian",
            "file": "x.txt",
            "glosses": {"Nel  gennaio 1925": "In January 1925"},
        }
    )
    docs = {"S9": source}
    assert gloss(Citation.model_validate("S9:3 'Nel gennaio 1925'"), docs) == "In January 1925"
    assert gloss(Citation.model_validate("S9:3 'altro'"), docs) is None
    assert unglossed([Citation.model_validate("S9:3 'altro'")], docs)[0].quote == "altro"
    assert describe(source) == "Un titolo (Italian)"
    with pytest.raises(ValueError, match="gloss needs"):
        Source.model_validate({**source.model_dump(), "glosses": {"q": " "}})


@pytest.mark.parametrize("name", ["bolshevik_1923", "china_1976"])
def test_every_non_english_quote_in_the_seed_1_chronicle_has_a_gloss(name: str) -> None:
    s = load_scenario(name)
    res = simulate(compile_scenario(s), 1, 1, None, ForcedChoice(s, {}), True)
    cites = [Citation.model_validate(t) for e in res.chronicle for t in e.cites]
    assert any(c.quote for c in cites)
    missing = sorted({str(c) for c in unglossed(cites, _docs(s))})
    assert not missing, missing


def _every_citation(name: str) -> list[Citation]:
    """The citations of a bundled scenario, its historical record and its presets."""
    s = load_scenario(name)
    return (
        _all_citations(s)
        + _all_citations(load_record(scenario=name))
        + _all_citations(load_presets(name))
    )


@pytest.mark.parametrize("name", ["bolshevik_1923", "china_1976"])
def test_every_non_english_quote_anywhere_in_the_scenario_has_a_gloss(name: str) -> None:
    s = load_scenario(name)
    missing = sorted({str(c) for c in unglossed(_every_citation(name), _docs(s))})
    assert not missing, missing


@pytest.mark.parametrize("name", ["bolshevik_1923", "china_1976"])
def test_no_gloss_is_left_without_its_quote(name: str) -> None:
    s = load_scenario(name)
    assert not stray_glosses(s.sources, _every_citation(name))


def test_run_lists_the_cited_sources_after_the_chronicle() -> None:
    result = runner.invoke(app, ["run", "--seed", "1", "--until", "1924-06"])
    assert result.exit_code == 0, result.output
    tail = result.output.split("\nSources\n", 1)[1]
    flat = " ".join(tail.split())
    assert "S3 Alan Woods on the Russian Revolution" in flat
    assert "— Alan Woods (interviewed) (Georgian)" in flat


def test_run_json_maps_cited_ids_to_their_documents_and_glosses() -> None:
    result = runner.invoke(app, ["run", "--seed", "1", "--json"])
    doc = json.loads(result.output)
    cited = {Citation.model_validate(t).source for e in doc["chronicle"] for t in e["cites"]}
    assert set(doc["sources"]) == cited
    s3 = doc["sources"]["S3"]
    assert s3["language"] == "Georgian"
    assert s3["author"] == "Alan Woods (interviewed)"
    assert s3["glosses"]["პარტიის აპარატი ნახევრად ტროიკის ხელში იყო"].startswith("the party")


def test_decisions_lists_the_cited_sources() -> None:
    result = runner.invoke(app, ["decisions"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split("\nSources\n", 1)[1].split())
    assert "(Italian)" in flat
    assert "(English)" in flat


def test_html_report_shows_author_language_and_gloss(bolshevik: Scenario) -> None:
    entry = Entry(
        run=0, month=0, date="1924-05", kind="decision", text="The Testament is read.",
        cites=(GEORGIAN,),
    )  # fmt: skip
    table, cited = chronicle_html([entry], bolshevik, {})
    hover = re.search(r'<a class="cite"[^>]* title="([^"]*)"', table)
    assert hover is not None
    assert "Alan Woods (interviewed) (Georgian)" in hover[1]
    assert "English: to each delegation separately" in hover[1]
    sources = sources_html(cited, bolshevik)
    assert '<span class="gloss">English: to each delegation separately</span>' in sources


def test_api_run_gives_sources_and_glosses() -> None:
    run = explore_run("bolshevik_1923", 1, [])
    cited = {c.source for e in run.events for c in e.cites}
    assert set(run.sources) == cited
    assert run.sources["S2"].language == "Italian"
    glossed = [c for e in run.events for c in e.cites if c.source == "S3" and c.quote]
    assert glossed
    assert all(c.gloss for c in glossed)
    assert all(c.gloss is None for e in run.events for c in e.cites if c.source == "S4")


def test_the_page_shows_the_gloss_and_the_author() -> None:
    js = (ROOT / "src/apparat/api/static/app.js").read_text(encoding="utf-8")
    assert "c.gloss" in js
    assert "d.author" in js
    assert "run.sources" in js
