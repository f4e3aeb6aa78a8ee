"""Rich rendering of a run's chronicle and summary: text views of report objects."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from itertools import groupby
from typing import IO, Any

import numpy as np
from pydantic import ValidationError
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from apparat.engine.chronicle import Entry
from apparat.report.summary import RunSummary
from apparat.scenario.citations import Citation
from apparat.scenario.models import Decision, Scenario
from apparat.scenario.sources import cited_sources, describe

KIND_STYLE = {
    "decision": "bold yellow",
    "consolidation": "bold green",
    "sanction": "red",
    "motion_failed": "dark_orange",
    "death": "bold",
    "incapacitation": "bold",
    "bloc_formed": "cyan",
    "opposition_formed": "cyan",
}

# ---------------------------------------------------------------- the console


class _Trimmed:
    """A text stream that drops the spaces Rich pads lines with: piped output (into a
    file, grep, an e-mail) should end its lines where the text ends."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.pending = ""  # trailing spaces of the last write, kept until we see more

    def write(self, text: str) -> int:
        lines = (self.pending + text).split("\n")
        self.pending = ""
        last = lines.pop()
        body = [line.rstrip(" ") for line in lines]
        kept = last.rstrip(" ")
        self.pending = last[len(kept) :]
        self.out.write("\n".join([*body, kept]) if body else kept)
        return len(text)

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.out, name)


def make_console(**kwargs: Any) -> Console:
    """The console every command prints with: Rich as usual on a terminal; when piped,
    the same text without the spaces that pad each line to the width."""
    out = sys.stdout
    if out.isatty():
        return Console(**kwargs)
    return Console(file=_Trimmed(out), **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the chronicle


def compact_cites(cites: Iterable[str]) -> str:
    """'S1:328 'a quote'' -> 'S1:328', 'ID p. 412 'a quote'' -> 'ID p. 412': the
    chronicle points at passages, JSON keeps quotes."""
    return ", ".join(dict.fromkeys(_place(c) for c in cites))


def _place(text: str) -> str:
    """A stored citation without its quote (the text up to its first space if it is
    not a citation at all)."""
    try:
        return Citation.model_validate(text).where
    except ValidationError:
        return text.split(" ", 1)[0]


def sources_list(cites: Iterable[str], scenario: Scenario) -> Text:
    """What the cited ids stand for, as footnotes after a table: 'S3  title — author
    (language)', one line per document, in the order first cited."""
    docs = {s.id: s for s in scenario.sources}
    ids = dict.fromkeys(_place(c).split(":", 1)[0].split(" ", 1)[0] for c in cites)
    text = Text("Sources", style="bold")
    for i in ids:
        text.append(f"\n{i}", style="bold dim")
        d = docs.get(i)
        text.append(f"  {describe(d) if d else '(not in the scenario list)'}", style="dim")
    return text


def sources_data(cites: Iterable[str], scenario: Scenario) -> dict[str, dict[str, Any]]:
    """The documents stored citations name, for JSON: id -> title, author, language,
    url and the English glosses of the quotes cited from them."""
    parsed = []
    for text in cites:
        try:
            parsed.append(Citation.model_validate(text))
        except ValidationError:
            continue
    return cited_sources(parsed, {s.id: s for s in scenario.sources})


def _event_text(entry: Entry, decisions: dict[str, Decision]) -> Text:
    """Styled by kind; a decision history did not take stands out, as counterfactuals do."""
    style = KIND_STYLE.get(entry.kind, "")
    decision = decisions.get(str(entry.why.get("decision", "")))
    if decision is not None and entry.why.get("option") != decision.historical:
        style = "bold magenta"  # a road history did not take
    text = Text()
    if entry.kind == "decision":
        text.append("◆ ", style=style)
    text.append(entry.text, style=style)
    if entry.cites:
        text.append("\n" + compact_cites(entry.cites), style="dim")
    return text


def chronicle_table(entries: list[Entry], scenario: Scenario) -> Table:
    """One section per month: the events in the engine's order, each with its sources."""
    decisions = {d.id: d for d in scenario.decisions}
    table = Table(
        box=box.SIMPLE_HEAD,
        header_style="bold",
        caption="◆ a decision (magenta: history chose otherwise); sources in dim, as source:line "
        "(or page, or §section)",
        caption_justify="left",
    )
    table.add_column("Month", style="bold", no_wrap=True)
    table.add_column("Event")
    for n, (month, group) in enumerate(groupby(entries, key=lambda e: e.date)):
        if n:
            table.add_section()
        for k, entry in enumerate(group):
            table.add_row(month if k == 0 else "", _event_text(entry, decisions))
    return table


# ---------------------------------------------------------------- the summary


def pct(share: float) -> str:
    """Whole percent: a share of runs or of power is no more precise than that here."""
    return "n/a" if np.isnan(share) else f"{100 * share:.0f}%"


def month_label(ordinal: float) -> str:
    """A month counted from year 0 (as summaries store medians) as 'YYYY-MM'."""
    if np.isnan(ordinal):
        return "n/a"
    m = round(ordinal)
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def share_interval(share: float, low: float, high: float) -> str:
    """'32% [20–48%]'; just '100%' where the interval rounds to the share itself."""
    if pct(low) == pct(high):
        return pct(share)
    return f"{pct(share)} [{100 * low:.0f}–{pct(high)}]"


def difference_interval(d: float, low: float, high: float) -> str:
    """A paired difference in percentage points, '+47.5 [+31.8, +63.2]'; exactly zero
    with no spread means that no run changed, and says so."""
    if d == 0 and (low == high == 0 or np.isnan(low)):
        return "0 (no run changed)"
    if np.isnan(low) or np.isnan(high):
        return _points(d)
    return f"{_points(d)} [{_points(low)}, {_points(high)}]"


def _points(share: float) -> str:
    """Percentage points to one decimal, never '-0.0'."""
    return f"{round(100 * share, 1) + 0.0:+.1f}"


def print_summary(console: Console, s: RunSummary, names: dict[str, str]) -> None:
    """Offices, coalitions, contenders' fates and the verdict, as of the last month."""
    offices = Table(title=f"Offices at {s.end}", box=box.SIMPLE_HEAD, title_justify="left")
    offices.add_column("Office")
    offices.add_column("Holder", no_wrap=True)
    for o in s.offices:
        offices.add_row(Text(o.name), Text(o.holder_name, style="" if o.holder else "dim"))
    console.print(offices)
    for b in s.blocs:
        label = "Ruling coalition" if b.ruling else f"Bloc of {names[b.leader]}"
        line = Text(f"{label} ({pct(b.power_share)} of power): ", style="bold")
        line.append(", ".join(b.names), style="green" if b.ruling else "")
        console.print(line)
    if s.unaligned:
        line = Text("Unaligned: ", style="bold")
        console.print(line.append(", ".join(names[a] for a in s.unaligned)))
    console.print(_fates_table(s))
    console.print(verdict(s, names))


def _fates_table(s: RunSummary) -> Table:
    """Strongest first; a sanction in red, since sanctions are how this contest is lost."""
    table = Table(title=f"Contenders at {s.end}", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Contender", no_wrap=True)
    table.add_column("Power", justify="right")
    table.add_column("Sanction")
    table.add_column("Fate", no_wrap=True)
    for f in s.contenders:
        if f.died:
            fate = "died"
        elif f.out_of_executive_since:
            fate = f"left the executive {f.out_of_executive_since}"
        else:
            fate = "in the executive" if f.in_executive else "not in the executive"
        style = "red" if f.sanction != "none" else ""
        table.add_row(
            f.name, pct(f.power_share), Text(f.sanction.replace("_", " "), style=style), fate
        )
    return table


def verdict(s: RunSummary, names: dict[str, str]) -> Text:
    """Who won, in one line: the consolidated leader, or that no one consolidated."""
    if s.dominant is not None:
        return Text(
            f"{names[s.dominant]} is dominant: consolidated since {s.dominant_since}.",
            style="bold green",
        )
    return Text(
        f"No one consolidated; the strongest leader at {s.end} is {names[s.strongest]}.",
        style="bold yellow",
    )
