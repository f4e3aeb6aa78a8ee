"""The report layer: plots, the representative run, and the self-contained HTML report."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

import apparat
from apparat.cli.app import app
from apparat.engine.chronicle import Entry
from apparat.errors import StoreError
from apparat.experiments import interventions
from apparat.report import plots
from apparat.report.chronicle import choose_run, chronicle_html, sources_html
from apparat.report.html import write_report
from apparat.scenario import Scenario
from apparat.scenario.sources import Source
from apparat.store import ResultsStore

runner = CliRunner()


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A tiny paired experiment (30 runs, factual vs the XII Congress attack) in a store."""
    store = tmp_path_factory.mktemp("report") / "r.duckdb"
    exp = apparat.Experiment(
        "bolshevik_1923",
        runs=30,
        seed=1,
        arms={"attack": interventions.parse(do=["trotsky.xii_congress=attack"])},
        store=store,
        batch_size=15,
    ).run()
    assert exp.experiment_id_ is not None
    return store, exp.experiment_id_


@pytest.fixture(scope="module")
def report(experiment: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The HTML report of the tiny experiment, written once for the module."""
    store, eid = experiment
    out = write_report(store, eid[:6], tmp_path_factory.mktemp("out") / "report.html")
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tables(experiment: tuple[Path, str]) -> dict[str, object]:
    """What the plots read from the store: meta, power quantiles and line moments."""
    store, eid = experiment
    with ResultsStore(store, read_only=True) as st:
        return {
            "meta": st.experiment(eid),
            "quantiles": st.power_quantiles(eid),
            "line": st.table(eid, "line_moments"),
        }


def _names(s: Scenario) -> dict[str, str]:
    return {a.id: a.name for a in s.actors}


# ---------------------------------------------------------------- plots


def test_fan_chart_has_a_panel_per_arm_and_a_line_per_leader(
    tables: dict[str, object], bolshevik: Scenario
) -> None:
    """The fan chart has one panel per arm, each with one median line per leader."""
    leaders = ["stalin", "trotsky", "zinoviev", "bukharin"]
    q = tables["quantiles"]
    assert isinstance(q, pd.DataFrame)
    fig = plots.fan_chart(q, ["factual", "attack"], leaders, _names(bolshevik))
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["factual", "attack"]
    for ax in fig.axes:
        labels = [line.get_label() for line in ax.get_lines()]
        assert labels == ["Joseph Stalin", "Leon Trotsky", "Grigory Zinoviev", "Nikolai Bukharin"]
        assert len(ax.collections) == 2 * len(leaders)  # the 50 % and 90 % bands
    stalin = q[(q["arm"] == "factual") & (q["actor"] == "stalin")].sort_values("month")
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), stalin["q50"])


def test_dominance_chart_draws_bars_with_intervals_per_arm(
    tables: dict[str, object], bolshevik: Scenario
) -> None:
    """The dominance chart has one bar series per arm, bars at the estimates in percent."""
    meta = tables["meta"]
    assert isinstance(meta, dict)
    fig = plots.dominance_chart(meta["summary"], _names(bolshevik))
    (ax,) = fig.axes
    bars = [c for c in ax.containers if c.get_label() in ("factual", "attack")]
    assert [c.get_label() for c in bars] == ["factual", "attack"]
    summ = pd.DataFrame(meta["summary"])
    rows = summ[(summ["outcome"] == "dominant_end") & (summ["arm"] == "factual")]
    widths = sorted(round(p.get_width(), 6) for p in bars[0].patches if p.get_width() > 0)
    assert widths == sorted(round(100 * e, 6) for e in rows["estimate"])
    labels = {t.get_text() for t in ax.get_yticklabels()}
    names = _names(bolshevik)
    assert {names.get(v, v) for v in rows["value"]} <= labels


def test_bloc_timeline_rows_are_the_aligned_actors_and_ruling_blocs_are_solid() -> None:
    """The bloc timeline has a row per actor ever in a bloc; the ruling side is solid."""
    actors = ["a", "b", "c", "d"]
    names = {"a": "Alpha", "b": "Beta", "c": "Gamma", "d": "Delta"}
    bloc = np.array([[0, 0, 2, -1], [0, 0, 2, -1], [0, 2, 2, -1]])
    ruling = np.array([[1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]], dtype=bool)
    fig = plots.bloc_timeline(bloc, ruling, ["1923-01", "1923-02", "1923-03"], actors, names)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Gamma", "Beta", "Alpha"]
    bars = ax.patches
    assert len(bars) == 4  # Gamma 1 stretch, Beta 2 (his bloc changes), Alpha 1
    solid = [b for b in bars if b.get_alpha() == 1.0]  # Alpha, and Beta while with him
    assert len(solid) == 2
    assert all(b.get_hatch() is None for b in solid)
    assert all(b.get_hatch() == "///" for b in bars if b not in solid)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "bloc of Alpha" in legend
    assert "bloc of Gamma" in legend


def test_ruling_bloc_includes_the_followers_of_the_rulers() -> None:
    """Followers of a ruling leader's bloc count as the ruling side; other blocs do not."""
    bloc = np.array([[-1, 1, 1, 3, 3], [1, 1, -1, 3, -1]])
    ruling = np.array([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0]], dtype=bool)
    assert plots.ruling_bloc(bloc, ruling).tolist() == [
        [True, False, False, False, False],
        [True, True, False, False, False],
    ]


def test_composition_chart_stacks_seats_by_bloc_and_draws_the_ruling_share() -> None:
    """The composition chart stacks Politburo seats by bloc and plots the ruling share."""
    executive = np.array([[1, 1, 1], [1, 1, 0]], dtype=bool)
    bloc = np.array([[0, 0, -1], [0, 1, -1]])
    ruling = np.array([[1, 0, 0], [1, 0, 0]], dtype=bool)
    power = np.array([[0.5, 0.3, 0.2], [0.6, 0.4, 0.0]])
    fig = plots.composition_chart(
        executive, bloc, ruling, power, ["1923-01", "1923-02"], ["a", "b", "c"], {"a": "Alpha"}
    )
    seats, share = fig.axes
    assert len(seats.collections) == 3  # bloc of Alpha, bloc of b, no bloc
    (line,) = share.get_lines()
    assert line.get_label() == "power share of the ruling side"
    np.testing.assert_allclose(line.get_ydata(), [80.0, 60.0])


def test_line_chart_has_a_panel_per_axis_and_a_line_per_arm(tables: dict[str, object]) -> None:
    """The line chart has three panels (the policy axes), each with a mean line per arm."""
    moments = tables["line"]
    assert isinstance(moments, pd.DataFrame)
    fig = plots.line_chart(moments)
    assert len(fig.axes) == 3
    for ax in fig.axes:
        labels = [line.get_label() for line in ax.get_lines()]
        assert [x for x in labels if not x.startswith("_")] == ["factual", "attack"]
    m = moments[(moments["arm"] == "factual") & (moments["axis"] == "economy")]
    m = m.groupby("month")[["n", "sum"]].sum()
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), m["sum"] / m["n"])


# ---------------------------------------------------------------- the representative run


def test_choose_run_prefers_a_chronicled_run_with_the_modal_outcome() -> None:
    """The chosen run has the most common ending, its median month, and a chronicle."""
    outcomes = pd.DataFrame(
        {
            "arm": ["factual"] * 6 + ["attack"],
            "run": [0, 1, 2, 3, 4, 5, 0],
            "dominant_end": ["stalin", "stalin", "stalin", None, "stalin", "zinoviev", None],
            "consolidation_month": [
                "1928-01",
                "1929-01",
                "1930-01",
                None,
                "1929-02",
                "1927-01",
                None,
            ],
            "kept": [True] * 7,
        }
    )
    run, modal, share = choose_run(outcomes, [1, 3, 4])
    assert (run, modal, share) == (1, "stalin", pytest.approx(4 / 6))
    assert choose_run(outcomes, [])[0] == 1  # no chronicle: the median run itself
    assert choose_run(outcomes, [0, 3])[0] == 0


def test_chronicle_escapes_text_and_links_every_citation(bolshevik: Scenario) -> None:
    """Event text is escaped and each citation links to a Sources entry with its quote."""
    entry = Entry(
        run=0, month=0, date="1923-04", kind="decision", text="<script>alert(1)</script>",
        cites=("S1:266 'Lenin’s <letter>'", "S1:266 'another quote'", "not a citation"),
        why={"decision": "trotsky.xii_congress", "option": "attack", "p": {"stalin": 0.25}},
    )  # fmt: skip
    table, cited = chronicle_html([entry], bolshevik, _names(bolshevik))
    assert "<script>" not in table
    assert "&lt;script&gt;" in table
    assert table.count('href="#src-S1-266"') == 1  # one link per passage
    assert "history chose: truce" in table
    assert "Joseph Stalin 0.25" in table
    sources = sources_html(cited, bolshevik)
    assert 'id="src-S1-266"' in sources
    assert "&lt;letter&gt;" in sources
    assert "another quote" in sources
    assert 'href="#ev-0"' in sources


def test_citations_of_books_and_web_pages_link_to_their_place(bolshevik: Scenario) -> None:
    """Pages, sections and whole web pages get their own Sources entries, in the order of
    the document, and a web source links to its address."""
    extra = [
        Source(id="mac1997", kind="book", title="Origins", language="en", publisher="CUP"),
        Source(
            id="wiki_hua", kind="web", title="Hua Guofeng", language="en",
            url="https://en.wikipedia.org/wiki/Hua_Guofeng", accessed="2026-12-06",
        ),
    ]  # fmt: skip
    s = bolshevik.model_copy(update={"sources": [*bolshevik.sources, *extra]})
    entry = Entry(
        run=0, month=0, date="1977-07", kind="decision", text="Deng returns",
        cites=(
            "mac1997 pp. 412-415 'a page quote'", "mac1997 p. 3",
            "wiki_hua §Rise to power 'a section quote'", "wiki_hua", "S1:266",
        ),
    )  # fmt: skip
    table, cited = chronicle_html([entry], s, _names(s))
    for key, label in [
        ("src-mac1997-p412-415", "mac1997 pp. 412–415"),
        ("src-mac1997-p3", "mac1997 p. 3"),
        ("src-wiki_hua-s-Rise-to-power", "wiki_hua §Rise to power"),
        ("src-wiki_hua", "wiki_hua"),
        ("src-S1-266", "S1:266"),
    ]:
        assert f'href="#{key}"' in table
        assert f"[{label}]" in table
    sources = sources_html(cited, s)
    assert sources.index("mac1997, p. 3") < sources.index("mac1997, pp. 412–415")
    assert "a section quote" in sources
    assert 'href="https://en.wikipedia.org/wiki/Hua_Guofeng"' in sources
    assert "wiki_hua, the whole page" in sources
    assert "accessed 2026-12-06" in sources


# ---------------------------------------------------------------- the HTML report


def test_report_has_every_section_and_the_summary_numbers(
    report: str, tables: dict[str, object]
) -> None:
    """The report holds its sections and the factual share of Stalin as the table shows it."""
    for title in (
        "What was run", "Outcomes", "Pictures of all runs", "Chronicle of a representative run",
        "Sources", "Who holds consolidated power at the end",
    ):  # fmt: skip
        assert f">{title}<" in report
    meta = tables["meta"]
    assert isinstance(meta, dict)
    s = pd.DataFrame(meta["summary"])
    row = s[(s.arm == "factual") & (s.outcome == "dominant_end") & (s.value == "stalin")].iloc[0]
    share = f"{100 * row.estimate:.0f}% [{100 * row.low:.0f}%–{100 * row.high:.0f}%]"
    assert f">{share}<" in report
    assert meta["id"] in report
    assert "trotsky.xii_congress=attack" in report
    assert 'class="warn"' not in report  # the run simulated again ends as stored


def test_report_embeds_images_and_source_anchors(report: str) -> None:
    """The report embeds at least four PNG figures and links events to cited passages."""
    assert report.count('src="data:image/png;base64,') >= 4
    ids = set(re.findall(r'id="(src-[^"]+)"', report))
    links = set(re.findall(r'href="#(src-[^"]+)"', report))
    assert ids
    assert links == ids


def test_report_is_self_contained_and_well_formed(report: str) -> None:
    """Nothing the page loads comes from off it (no http src, no CDN, no script), the only
    links off the page are to the addresses of the web pages the scenario cites, and tags
    balance."""
    urls = {s.url for s in apparat.load_scenario("bolshevik_1923").sources if s.url}

    class Check(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.external: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            for name, value in attrs:
                cited_page = tag == "a" and name == "href" and value in urls
                off_page = value and not value.startswith(("#", "data:"))
                if name in ("src", "href") and off_page and not cited_page:
                    self.external.append(str(value))
            if tag not in ("meta", "img", "br", "link"):
                self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.stack.pop() == tag

    check = Check()
    check.feed(report)
    assert check.external == []
    assert check.stack == []
    assert not re.search(r'src\s*=\s*["\']?https?://', report)
    assert "<script" not in report
    assert "<link" not in report


def test_report_without_counterfactual_or_stored_chronicles(tmp_path: Path) -> None:
    """A factual-only experiment without stored chronicles still gets a full report."""
    store = tmp_path / "f.duckdb"
    exp = apparat.Experiment("bolshevik_1923", runs=6, seed=2, store=store, chronicles=0).run()
    assert exp.experiment_id_ is not None
    text = write_report(store, exp.experiment_id_, tmp_path / "f.html").read_text("utf-8")
    assert text.count("data:image/png;base64,") >= 4
    assert 'id="src-' in text


def test_write_report_names_unknown_experiments(experiment: tuple[Path, str]) -> None:
    """An unknown experiment id raises a StoreError that lists the known ids."""
    store, eid = experiment
    with pytest.raises(StoreError, match=f"no experiment 'nope'.*known ids: {eid}"):
        write_report(store, "nope", store.parent / "x.html")


# ---------------------------------------------------------------- the command line


def test_cli_report_writes_the_file(experiment: tuple[Path, str], tmp_path: Path) -> None:
    """`apparat report ID --store --out` exits 0, writes the report and prints its path."""
    store, eid = experiment
    out = tmp_path / "sub" / "r.html"
    result = runner.invoke(app, ["report", eid, "--store", str(store), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_report_unknown_id_exits_2_listing_known_ids(
    experiment: tuple[Path, str], tmp_path: Path
) -> None:
    """An unknown id exits 2 with a message listing the store's experiment ids."""
    store, eid = experiment
    args = ["report", "ffffff", "--store", str(store), "--out", str(tmp_path / "r.html")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "known ids" in result.output
    assert eid in result.output
    assert not (tmp_path / "r.html").exists()


def test_cli_report_missing_store_exits_2(tmp_path: Path) -> None:
    """A store that does not exist exits 2 with a message saying so."""
    result = runner.invoke(app, ["report", "abc", "--store", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "no results store" in result.output


def test_cli_does_not_import_matplotlib() -> None:
    """Loading the command line leaves matplotlib unloaded, so `apparat run` stays fast."""
    code = "import sys, apparat.cli.app; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_report_draws_the_consequences_per_arm_over_the_record(
    report: str, experiment: tuple[Path, str]
) -> None:
    """The consequences section has the headline table and a fan chart with a row per
    key series and a column per arm, the published series drawn in each panel."""
    from apparat.economy import load_economy
    from apparat.economy.tables import FAN_SERIES
    from apparat.experiments.consequences import arms_from_rows
    from apparat.report.consequences import fan_figure

    section = report[report.index('id="consequences"') :]
    assert "Headline outcomes by 1941" in section[:4000]
    assert "data:image/png;base64," in section[:20000]
    store, eid = experiment
    with ResultsStore(store, read_only=True) as st:
        rows = st.table(eid, "consequences")
    arms = arms_from_rows(rows, ["factual", "attack"])
    fig = fan_figure(arms, load_economy(), {})
    assert len(fig.axes) == len(FAN_SERIES) * 2
    harvest = fig.axes[2 * list(FAN_SERIES).index("grain_harvest")]
    assert any(str(line.get_label()).startswith("record: ") for line in harvest.get_lines())


def test_report_without_consequences_says_why() -> None:
    """No rows: a note naming the scenario without data, or the old experiment."""
    import pandas as pd

    from apparat.economy import load_economy
    from apparat.report.consequences import section

    empty = pd.DataFrame(columns=["arm", "run", "year", "series", "value"])
    assert "china_1976 has no consequences data" in section(empty, ["factual"], None, "china_1976")
    assert "stored before" in section(empty, ["factual"], load_economy(), "bolshevik_1923")
