"""A representative run of a stored experiment, told month by month with its sources.

The run is chosen from the factual arm: its outcome is the most common one, and among
the runs with that outcome its month of consolidation is closest to their median. The
store keeps chronicles of only a few runs, so the choice is made among those when one
of them fits; otherwise the chosen run is simulated again (same seed, same run index,
so the same luck). The run is simulated once more in any case for its month-by-month
history (blocs, Politburo seats), which the store does not keep.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from itertools import groupby
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from apparat.engine import SimulationResult, compile_scenario, simulate
from apparat.engine.chronicle import Entry
from apparat.experiments.posterior import Posterior
from apparat.policies import ForcedChoice
from apparat.report import plots
from apparat.scenario.citations import Citation
from apparat.scenario.models import Scenario
from apparat.scenario.sources import Source, describe, gloss

FACTUAL = "factual"
NO_ONE = "no one"
ROUTINE = frozenset({"apparatus", "cc_elected", "plenum", "conference"})
_SLUG = re.compile(r"[^\w-]+")


@dataclass(frozen=True)
class Representative:
    """The chosen run: its index, why it was chosen, its history and its chronicle."""

    run: int
    reason: str
    result: SimulationResult
    entries: list[Entry]
    from_store: bool
    matches_store: bool


def _ordinal(month: str) -> int:
    year, m = month.split("-")
    return int(year) * 12 + int(m) - 1


def choose_run(outcomes: pd.DataFrame, chronicled: Iterable[int]) -> tuple[int, str, float]:
    """The factual run with the modal outcome whose consolidation month is closest to
    the median of those runs, preferring a chronicled run; also the modal outcome and
    its share of the factual runs."""
    f = outcomes[(outcomes["arm"] == FACTUAL) & outcomes["kept"].astype(bool)]
    dominant = f["dominant_end"].fillna(NO_ONE).astype(str)
    counts = dominant.value_counts()
    top = counts[counts == counts.max()].index
    modal = str(sorted(top)[0])
    same = f[dominant == modal]
    months = same["consolidation_month"].dropna().astype(str)
    median = float(np.median([_ordinal(m) for m in months])) if len(months) else 0.0
    distance = same["consolidation_month"].map(
        lambda m: abs(_ordinal(str(m)) - median) if isinstance(m, str) else 0.0
    )
    ranked = same.assign(distance=distance, stored=same["run"].isin(set(chronicled)))
    ranked = ranked.sort_values(["stored", "distance", "run"], ascending=[False, True, True])
    return int(ranked["run"].iloc[0]), modal, float(counts.max() / len(f))


def _entries(rows: pd.DataFrame) -> list[Entry]:
    """Stored chronicle rows back as the engine's entries."""
    return [
        Entry(
            run=int(r["run"]),
            month=int(r["month"]),
            date=str(r["date"]),
            kind=str(r["kind"]),
            text=str(r["text"]),
            actors=tuple(json.loads(str(r["actors"] or "[]"))),
            cites=tuple(json.loads(str(r["cites"] or "[]"))),
            why=json.loads(str(r["why"] or "{}")),
        )
        for r in rows.to_dict("records")
    ]


def representative(
    scenario: Scenario,
    seed: int,
    outcomes: pd.DataFrame,
    chronicle: pd.DataFrame,
    names: Mapping[str, str],
    posterior: Posterior | None = None,
) -> Representative:
    """Choose the representative factual run and simulate it again for its history (with
    the parameters it drew from ``posterior``, where the experiment drew them)."""
    stored = chronicle[chronicle["arm"] == FACTUAL]
    run, modal, share = choose_run(outcomes, stored["run"].unique().tolist())
    rows = stored[stored["run"] == run]
    c = compile_scenario(scenario)
    idx = np.array([run], dtype=np.int64)
    drawn = posterior.draw(seed, idx) if posterior is not None else None
    result = simulate(c, idx, seed, None, ForcedChoice(scenario, {}), rows.empty, drawn)
    entries = _entries(rows) if not rows.empty else result.chronicle
    row = outcomes[(outcomes["arm"] == FACTUAL) & (outcomes["run"] == run)].iloc[0]
    dom = int(result.outcomes.dominant_end[0])
    cons = int(result.outcomes.consolidation_month[0])
    again = (c.actors[dom] if dom >= 0 else None, c.label(cons) if cons >= 0 else None)
    before = (
        None if pd.isna(row["dominant_end"]) else str(row["dominant_end"]),
        None if pd.isna(row["consolidation_month"]) else str(row["consolidation_month"]),
    )
    if modal == NO_ONE:
        what = "no one had consolidated power by the end"
    else:
        what = f"{names.get(modal, modal)} consolidated power (in {before[1]})"
    reason = (
        f"Run {run} of the factual arm: {what}, as in {100 * share:.0f}% of the factual "
        "runs, the most common ending; among those runs its month of consolidation is "
        "the closest to their median."
    )
    return Representative(run, reason, result, entries, not rows.empty, again == before)


# ---------------------------------------------------------------- HTML


def parse_cite(text: str) -> Citation | None:
    """A stored citation ("S4:120 'quote'") as a Citation, or None if it is malformed."""
    try:
        return Citation.model_validate(text)
    except ValidationError:
        return None


def anchor(c: Citation) -> str:
    """The id of a cited passage in the Sources section: 'src-S4-120', 'src-S4-120-125'
    (lines), 'src-ID-p412', 'src-ID-p412-415' (pages), 'src-ID-s-Rise-to-power' (a
    section) or 'src-ID' (a whole web page)."""
    if c.line is not None:
        end = f"-{c.end_line}" if c.end_line is not None else ""
        return f"src-{c.source}-{c.line}{end}"
    if c.page is not None:
        end = f"-{c.end_page}" if c.end_page is not None else ""
        return f"src-{c.source}-p{c.page}{end}"
    if c.section is not None:
        return f"src-{c.source}-s-{_SLUG.sub('-', c.section).strip('-')}"
    return f"src-{c.source}"


def label(c: Citation) -> str:
    """The place a citation points at, as a reader sees it: 'S4:120–125',
    'ID pp. 412–415', 'ID §Rise to power', 'ID'."""
    if c.line is not None:
        return f"{c.source}:{c.line}" + (f"–{c.end_line}" if c.end_line else "")
    if c.page is not None:
        if c.end_page is not None:
            return f"{c.source} pp. {c.page}–{c.end_page}"
        return f"{c.source} p. {c.page}"
    return c.where


def _place(c: Citation) -> str:
    """Where in its document a passage is: 'line 120–125', 'pp. 412–415', '§Section'."""
    if c.line is not None:
        return f"line {c.line}" + (f"–{c.end_line}" if c.end_line else "")
    if c.page is not None:
        return label(c).removeprefix(f"{c.source} ")
    if c.section is not None:
        return f"§{c.section}"
    return "the whole page"


def _order(c: Citation) -> tuple[str, int, str]:
    return (c.source, c.line or c.page or 0, c.section or "")


def _number(v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _why(why: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """The votes, strengths and draw behind an event, one 'key: value' line each."""
    lines = []
    for key, value in why.items():
        if isinstance(value, Mapping):
            shown = ", ".join(f"{names.get(str(k), k)} {_number(v)}" for k, v in value.items())
        elif isinstance(value, list):
            shown = ", ".join(names.get(str(v), _number(v)) for v in value)
        else:
            shown = names.get(str(value), _number(value))
        lines.append(f"{key.replace('_', ' ')}: {shown}")
    return escape("\n".join(lines))


@dataclass
class Passage:
    """A cited passage: where it is, the quotes cited from it, the events citing it."""

    citation: Citation
    quotes: list[str] = field(default_factory=list)
    events: dict[str, str] = field(default_factory=dict)  # month -> first event's row id


def _cites_html(
    cites: Iterable[str],
    cited: dict[str, Passage],
    row: str,
    date: str,
    docs: Mapping[str, Source] | None = None,
) -> str:
    """Links to the Sources section, one per passage, the document (title, author,
    language), the quote and its English gloss on hover; records who cites what."""
    docs = docs or {}
    links: dict[str, str] = {}
    for text in cites:
        c = parse_cite(text)
        if c is None:
            links.setdefault(text, f'<span class="cite">[{escape(text)}]</span>')
            continue
        key = anchor(c)
        passage = cited.setdefault(key, Passage(c))
        if c.quote and c.quote not in passage.quotes:
            passage.quotes.append(c.quote)
        passage.events.setdefault(date, row)
        d = docs.get(c.source)
        hover = [describe(d)] if d is not None else []
        if c.quote:
            english = gloss(c, docs)
            hover.append(f"“{c.quote}”" + (f"\n(English: {english})" if english else ""))
        title = f' title="{escape(chr(10).join(hover))}"' if hover else ""
        links.setdefault(key, f'<a class="cite" href="#{key}"{title}>[{escape(label(c))}]</a>')
    return " ".join(links.values())


def chronicle_html(
    entries: list[Entry], scenario: Scenario, names: Mapping[str, str]
) -> tuple[str, dict[str, Passage]]:
    """The chronicle as a table (month, kind, event with its source links and 'why'),
    and the passages it cites, keyed by their anchor."""
    historical = {d.id: d.historical for d in scenario.decisions}
    docs = {s.id: s for s in scenario.sources}
    cited: dict[str, Passage] = {}
    rows = []
    last = None
    for n, e in enumerate(entries):
        classes = [f"kind-{e.kind}"] + (["routine"] if e.kind in ROUTINE else [])
        note = ""
        decision = str(e.why.get("decision", ""))
        if decision in historical and e.why.get("option") != historical[decision]:
            classes.append("offroad")
            note = f' <span class="note">(history chose: {escape(historical[decision])})</span>'
        why = (
            f"<details><summary>why?</summary><pre>{_why(e.why, names)}</pre></details>"
            if e.why
            else ""
        )
        month = f'<td class="month">{escape(e.date)}</td>' if e.date != last else "<td></td>"
        last = e.date
        rows.append(
            f'<tr id="ev-{n}" class="{" ".join(classes)}">{month}<td class="kind">'
            f"{escape(e.kind.replace('_', ' '))}</td><td>{escape(e.text)}{note} "
            f"{_cites_html(e.cites, cited, f'ev-{n}', e.date, docs)}{why}</td></tr>"
        )
    table = (
        '<table class="chronicle"><thead><tr><th>Month</th><th>Kind</th><th>What happened '
        "(sources in brackets)</th></tr></thead><tbody>" + "\n".join(rows) + "</tbody></table>"
    )
    return table, cited


def sources_html(cited: Mapping[str, Passage], scenario: Scenario) -> str:
    """Every cited passage, grouped by document: its place, its quotes, and links back
    to the events that cite it."""
    docs = {s.id: s for s in scenario.sources}
    order = sorted(cited.items(), key=lambda kv: _order(kv[1].citation))
    parts: list[str] = []
    for source, group in groupby(order, key=lambda kv: kv[1].citation.source):
        d = docs.get(source)
        title = escape(d.title) if d else "(a document not in the scenario's list)"
        if d is not None and d.url:
            title = f'<a href="{escape(d.url)}">{title}</a>'
        parts.append(
            f"<h3>{escape(source)}: <cite>{title}</cite></h3><p class='about'>"
            f"{escape(_about(d))}</p><ul class='sources'>"
        )
        for key, p in group:
            c = p.citation
            where = escape(f"{c.source}, {_place(c)}")
            if d is not None and d.kind == "web" and d.url:
                where = f'<a href="{escape(d.url)}">{where}</a>'
            said = "".join(_quote_html(q, c, docs) for q in p.quotes)
            back = ", ".join(f'<a href="#{r}">{escape(m)}</a>' for m, r in p.events.items())
            parts.append(
                f'<li id="{escape(key)}"><strong>{where}</strong>{said}'
                f'<span class="back">cited in {back}</span></li>'
            )
        parts.append("</ul>")
    return "".join(parts) or "<p>No passage was cited.</p>"


def _quote_html(quote: str, c: Citation, docs: Mapping[str, Source]) -> str:
    """A quote, and its English gloss under it where the source gives one."""
    english = gloss(c.model_copy(update={"quote": quote}), docs)
    shown = f"<q>{escape(quote)}</q>"
    if english:
        shown += f'<span class="gloss">English: {escape(english)}</span>'
    return shown


def _about(d: Source | None) -> str:
    """What a document is: author, date, publisher, language, and where to find it."""
    if d is None:
        return ""
    facts = [
        d.kind if d.kind != "file" else None,
        d.author,
        d.date,
        d.publisher,
        f"pp. {d.pages}" if d.pages and "-" in d.pages else None,
        d.language,
        f"file {d.file}" if d.file else None,
        d.url,
        f"accessed {d.accessed}" if d.accessed else None,
    ]
    return ", ".join(x for x in facts if x)


def run_section(
    s: Scenario,
    seed: int,
    outcomes: pd.DataFrame,
    chronicle: pd.DataFrame,
    arms: Sequence[str],
    posterior: Posterior | None = None,
) -> tuple[str, str]:
    """The representative run: why it was chosen, its two pictures, its chronicle; and
    the Sources section its chronicle needs."""
    names = {a.id: a.name for a in s.actors}
    rep = representative(s, seed, outcomes, chronicle, names, posterior)
    res, c = rep.result, rep.result.compiled
    h = res.history
    months = [c.label(m) for m in range(res.months)]
    twins = []
    for arm in arms:
        r = outcomes[(outcomes["arm"] == arm) & (outcomes["run"] == rep.run)]
        if arm == FACTUAL or r.empty:
            continue
        dom = r.iloc[0]["dominant_end"]
        who = "no one" if pd.isna(dom) else names.get(dom, dom)
        twins.append(
            f"In the arm “{arm}” the same run, with the same luck, ended with {who} in control."
        )
    warn = (
        ""
        if rep.matches_store
        else '<p class="warn">Simulated again with the current scenario, this run did not end '
        "as the stored one did: the scenario or the engine has changed since the experiment.</p>"
    )
    table, cited = chronicle_html(rep.entries, s, names)
    body = (
        f"<p>{escape(rep.reason)} {' '.join(escape(t) for t in twins)}</p>{warn}"
        + plots.embed(
            plots.bloc_timeline(h.bloc[0], h.ruling[0], months, c.actors, names),
            "timeline of blocs in the representative run",
            "Who stood with whom. Each row is a leader, each colour the bloc he followed "
            "that month (named after its leader). Solid: the ruling side; pale and hatched: "
            "a bloc out of power; blank: in no bloc (or dead, or expelled).",
        )
        + plots.embed(
            plots.composition_chart(
                h.executive[0], h.bloc[0], h.ruling[0], h.power[0], months, c.actors, names
            ),
            "Politburo seats by bloc in the representative run",
            "Who sat in the Politburo. The coloured areas count its members by the bloc "
            "they followed; the black line (right scale) is the ruling side's share of power.",
        )
        + "<p>Every event below names the source passages behind it; click one to read "
        "it in the Sources section. Greyed rows are routine business; purple rows are "
        "decisions taken otherwise than in history. “why?” shows the votes, strengths "
        "and chances that decided the event.</p>" + table
    )
    return body, sources_html(cited, s)
