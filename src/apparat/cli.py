"""The ``apparat`` command line: one run as a chronicle, scenario checks, validation.

Commands parse, call the scenario, engine and experiments layers, and render; they
hold no simulation logic. A run's summary is built once as dataclasses, so ``run`` and
``run --json`` cannot disagree: the tables and the JSON document are two views of one
object. Whatever a scenario or the engine wrote is rendered as ``Text``, never as
markup, so a bracket in a source quote cannot be taken for a style. Every
``ApparatError`` is caught once, in the top-level group, and shown as a short red
message with exit code 2: a user who mistypes a decision or a month should read what
to fix, not a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from importlib.metadata import version as package_version
from itertools import groupby
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from pydantic import BaseModel
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from apparat.engine import SimulationResult, compile_scenario
from apparat.engine import simulate as run_batch
from apparat.engine.chronicle import Entry
from apparat.engine.compiled import SANCTIONS
from apparat.errors import ApparatError, ScenarioError
from apparat.experiments import validation
from apparat.experiments.validation import ValidationReport
from apparat.policies import ForcedChoice, parse_do
from apparat.scenario import load_scenario
from apparat.scenario.citations import Citation
from apparat.scenario.models import Decision, Scenario, parse_month
from apparat.scenario.record import load_record

VERSION = package_version("apparat")
# Routine tallies of who the secretaries and CC members owe their posts to.
APPARATUS_KINDS = frozenset({"apparatus", "cc_elected"})

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


class _FriendlyErrors(TyperGroup):
    """The top-level group: turns any ApparatError from a command into a message."""

    def invoke(self, ctx: Any) -> Any:  # Any: typer's Context type moved between versions
        try:
            return super().invoke(ctx)
        except ApparatError as exc:
            _print_error(exc)
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=_FriendlyErrors,
    name="apparat",
    help="Simulate the struggle for Lenin's succession, 1922–1930.",
    no_args_is_help=True,
    add_completion=False,
)
scenario_app = typer.Typer(help="Work with scenario files.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

ScenarioOpt = Annotated[
    str,
    typer.Option(
        "--scenario", "-s", help="A bundled scenario's name, or a path to a YAML file or folder."
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="Seed; the same seed, the same run.")]


def _print_error(exc: ApparatError) -> None:
    """Red, on stderr, never wrapped mid-path: 'file.yaml:12' must stay copyable."""
    Console(stderr=True, soft_wrap=True).print(Text(f"Error: {exc}", style="red"))


def _version(value: bool) -> None:
    """Eager, so --version answers even when a command's arguments are missing."""
    if value:
        typer.echo(f"apparat {VERSION}")
        raise typer.Exit()


def _month(value: str | None) -> str | None:
    """Check the shape of --until here; whether it lies in the period is the engine's call."""
    if value is None:
        return None
    try:
        return parse_month(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Simulate the struggle for Lenin's succession, 1922–1930."""


# ---------------------------------------------------------------- run


@app.command("run")
def run_command(
    scenario: ScenarioOpt = "bolshevik_1923",
    seed: SeedOpt = 1,
    until: Annotated[
        str | None,
        typer.Option(callback=_month, metavar="YYYY-MM", help="Stop after this month."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document and nothing else.")
    ] = False,
    do: Annotated[
        list[str] | None,
        typer.Option(
            "--do",
            metavar="DECISION=OPTION",
            help="Force a decision, e.g. trotsky.xii_congress=attack (repeatable).",
        ),
    ] = None,
    quiet_apparatus: Annotated[
        bool,
        typer.Option(
            "--quiet-apparatus", help="Leave out the routine tallies of secretaries and CC seats."
        ),
    ] = False,
) -> None:
    """One run, month by month: what happened, why, on which sources, and who won."""
    forced = parse_do(do or [])
    s = load_scenario(scenario)
    result = run_batch(compile_scenario(s), 1, seed, until, ForcedChoice(s, forced), True)
    entries = [e for e in result.chronicle if not (quiet_apparatus and e.kind in APPARATUS_KINDS)]
    summary = summarise_run(result)
    if as_json:
        typer.echo(_to_json(_run_document(result, entries, summary, forced)))
        return
    console = Console()
    console.print(_run_header(result, forced))
    console.print(chronicle_table(entries, result.compiled.scenario))
    print_summary(
        console, summary, dict(zip(result.compiled.actors, result.compiled.names, strict=True))
    )


def _run_header(result: SimulationResult, forced: dict[str, str]) -> Text:
    """Title, seed, period and forced decisions: what it takes to reproduce the run."""
    meta = result.compiled.scenario.scenario
    text = Text(meta.title, style="bold")
    text.append(
        f"\n{meta.id}, seed {result.seed}, "
        f"{result.compiled.start} to {result.label(result.months - 1)}",
        style="dim",
    )
    if forced:
        text.append("\nforced: " + ", ".join(f"{k}={v}" for k, v in forced.items()), style="bold")
    return text


def _run_document(
    result: SimulationResult, entries: list[Entry], summary: RunSummary, forced: dict[str, str]
) -> dict[str, Any]:
    """What --json prints: enough to reproduce the run and to read it without the tool."""
    return {
        "apparat": VERSION,
        "scenario": result.compiled.scenario.scenario.id,
        "seed": result.seed,
        "start": result.compiled.start,
        "end": summary.end,
        "months": result.months,
        "do": forced,
        "chronicle": [e.as_dict() for e in entries],
        "summary": asdict(summary),
    }


def _plain(obj: object) -> Any:
    """json.dumps fallback for the numpy scalars and arrays an entry's 'why' may hold."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, tuple | set | frozenset):
        return list(obj)
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def _to_json(doc: dict[str, Any]) -> str:
    """Indented and unescaped: the Georgian and Italian quotes stay readable."""
    return json.dumps(doc, ensure_ascii=False, indent=2, default=_plain)


# ---------------------------------------------------------------- scenario check


@scenario_app.command("check")
def check_command(
    target: Annotated[
        str, typer.Argument(metavar="FILE_OR_NAME", help="A scenario file, folder or name.")
    ],
) -> None:
    """Validate a scenario: OK with its counts, or every problem with file and line."""
    try:
        s = load_scenario(target)
    except ScenarioError as exc:
        console = Console(soft_wrap=True)
        console.print(
            Text(f"✗ {exc.source}: {len(exc.problems)} problem(s)", style="bold red"),
        )
        for problem in exc.problems:
            console.print(Text(f"  - {problem}", style="red"))
        raise typer.Exit(1) from None
    Console(soft_wrap=True).print(Text(f"OK {target}: {_counts(s)}", style="bold green"))


def _counts(s: Scenario) -> str:
    """What a modeller checks at a glance after an edit: nothing went missing."""
    return (
        f"{len(s.actors)} actors, {len(s.offices)} offices, {len(s.calendar)} events, "
        f"{len(s.decisions)} decisions, {_count_citations(s)} citations, "
        f"{len(s.sources)} sources"
    )


def _count_citations(obj: object) -> int:
    """Every Citation anywhere in the scenario tree: a scenario's claims are its citations."""
    if isinstance(obj, Citation):
        return 1
    if isinstance(obj, BaseModel):
        return sum(_count_citations(getattr(obj, name)) for name in type(obj).model_fields)
    if isinstance(obj, list | tuple):
        return sum(_count_citations(x) for x in obj)
    if isinstance(obj, dict):
        return sum(_count_citations(x) for x in obj.values())
    return 0


# ---------------------------------------------------------------- decisions


@app.command("decisions")
def decisions_command(scenario: ScenarioOpt = "bolshevik_1923") -> None:
    """List the decision points a counterfactual (--do) can force."""
    Console().print(decisions_table(load_scenario(scenario)))


def decisions_table(scenario: Scenario) -> Table:
    """The junctures a counterfactual can force, with the option history took.

    Question and options share a cell so the table still reads at 80 columns.
    """
    table = Table(
        title=f"Decision points of {scenario.scenario.id}",
        caption="green: the option history took; force another with --do DECISION=OPTION",
        box=box.SIMPLE_HEAD,
        show_lines=True,
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("Decision", no_wrap=True)
    table.add_column("Question and options (id: label)", ratio=4)
    table.add_column("Sources", style="dim", ratio=1, min_width=7, max_width=16)
    for d in scenario.decisions:
        head = Text(d.id, style="bold")
        head.append(f"\n{d.date}\nhistorical: ")
        head.append(d.historical, style="green")
        body = Text(d.question)
        for o in d.options:
            body.append(f"\n• {o.id}: {o.label}", style="green" if o.id == d.historical else "")
        table.add_row(head, body, Text(compact_cites(str(c) for c in d.cite)))
    return table


# ---------------------------------------------------------------- validate


@app.command("validate")
def validate_command(
    record: Annotated[
        Path | None,
        typer.Option(help="A historical record file (default: the scenario's own)."),
    ] = None,
    runs: Annotated[int, typer.Option(min=1, help="Runs in the ensemble.")] = 1000,
    seed: SeedOpt = 1,
    scenario: ScenarioOpt = "bolshevik_1923",
) -> None:
    """Score an ensemble against the historical record, next to a naive frozen-world baseline."""
    s = load_scenario(scenario)
    rec = load_record(record or _own_record(scenario), scenario=s.scenario.id)
    c = compile_scenario(s)
    console = Console()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("Simulating runs", total=runs)
        report = validation.validate(
            c,
            rec,
            lambda idx: run_batch(c, idx, seed, None, None, False),
            runs,
            progress=lambda n: bar.advance(task, n),
        )
    print_validation(console, report)


def _own_record(scenario: str) -> Path | None:
    """A scenario folder given by path carries its record in record/historical.yaml."""
    candidate = Path(scenario) / "record" / "historical.yaml"
    return candidate if candidate.is_file() else None


def validation_table(report: ValidationReport) -> Table:
    """One row per fact: how often the model and the frozen world reproduce it."""
    table = Table(
        title=f"Historical record, {report.runs} runs",
        box=box.SIMPLE_HEAD,
        title_justify="left",
        show_footer=True,
        pad_edge=False,
    )
    table.add_column("Fact", footer="Mean over facts", no_wrap=True)
    table.add_column("Kind")
    table.add_column("Date ±window", no_wrap=True)
    table.add_column("Model", justify="right", no_wrap=True, footer=_pct(report.model_total))
    table.add_column("Naive", justify="right", no_wrap=True, footer=_pct(report.naive_total))
    for f in report.facts:
        better = "green" if f.model > f.naive else ("red" if f.model < f.naive else "")
        table.add_row(
            f.fact.id,
            f.fact.kind.replace("_", " "),
            f"{f.fact.date} ±{f.fact.window}",
            Text(_pct(f.model), style=better),
            _pct(f.naive),
        )
    return table


def beats_naive(report: ValidationReport) -> bool:
    """The model must reproduce more facts, and the order of defeats no worse, than naive."""
    order_ok = (
        report.order_model is None
        or report.order_naive is None
        or report.order_model >= report.order_naive
    )
    return report.model_total > report.naive_total and order_ok


def print_validation(console: Console, report: ValidationReport) -> None:
    """The per-fact table, the totals, and a verdict a reader can act on in the last line."""
    console.print(validation_table(report))
    facts = f"model {_pct(report.model_total)}, naive {_pct(report.naive_total)}"
    console.print(Text(f"Facts reproduced: {facts}"))
    if report.order_model is not None and report.order_naive is not None:
        order = f"model {_pct(report.order_model)}, naive {_pct(report.order_naive)}"
        console.print(Text(f"Order of defeats: {order}"))
    if beats_naive(report):
        console.print(Text("✓ The model beats the naive baseline.", style="bold green"))
    else:
        console.print(Text("✗ The model does not beat the naive baseline.", style="bold red"))


# ---------------------------------------------------------------- run: summary and chronicle


@dataclass(frozen=True)
class OfficeHolder:
    """Who holds an office at the end; ``holder`` is None for a vacancy."""

    office: str
    name: str
    holder: str | None
    holder_name: str


@dataclass(frozen=True)
class Bloc:
    """Actors following one leader; power_share is the members' summed share."""

    leader: str
    members: list[str]
    names: list[str]
    ruling: bool
    power_share: float


@dataclass(frozen=True)
class ContenderFate:
    """Where a contender ended: power, the harshest sanction, in or out of the executive."""

    actor: str
    name: str
    power_share: float
    sanction: str
    died: bool
    in_executive: bool
    out_of_executive_since: str | None


@dataclass(frozen=True)
class RunSummary:
    """One run at its last month; the Rich tables and the JSON summary both read this."""

    end: str
    offices: list[OfficeHolder]
    blocs: list[Bloc]
    unaligned: list[str]
    contenders: list[ContenderFate]
    dominant: str | None
    dominant_since: str | None
    strongest: str
    choices: dict[str, str | None]


def summarise_run(res: SimulationResult, row: int = 0) -> RunSummary:
    """The state of one run at its last month: offices, blocs, fates, who rules."""
    c, h, o = res.compiled, res.history, res.outcomes
    last = res.months - 1
    holders = [int(w) for w in h.holder[row, last]]
    dom = int(o.dominant_end[row])
    cons = int(o.consolidation_month[row])
    return RunSummary(
        end=c.label(last),
        offices=[
            OfficeHolder(
                office, name, c.actors[w] if w >= 0 else None, c.names[w] if w >= 0 else "vacant"
            )
            for office, name, w in zip(c.offices, c.office_names, holders, strict=True)
        ],
        blocs=_blocs(res, row),
        unaligned=[
            c.actors[i]
            for i in range(len(c.actors))
            if h.bloc[row, last, i] < 0 and not h.ruling[row, last, i] and not o.died[row, i]
        ],
        contenders=sorted(_fates(res, row), key=lambda f: -f.power_share),
        dominant=c.actors[dom] if dom >= 0 else None,
        dominant_since=c.label(cons) if dom >= 0 and cons >= 0 else None,
        strongest=c.actors[int(o.strongest_end[row])],
        choices={
            d: (_option_id(c.scenario, d, int(k[row])) if k[row] >= 0 else None)
            for d, k in o.choices.items()
        },
    )


def _option_id(s: Scenario, decision: str, k: int) -> str:
    """The engine records option indices; people and JSON readers want the option's id."""
    return next(d for d in s.decisions if d.id == decision).options[k].id


def _blocs(res: SimulationResult, row: int) -> list[Bloc]:
    """Group actors by bloc leader; the bloc holding a ruling member is the ruling one."""
    c, h = res.compiled, res.history
    last = res.months - 1
    bloc, ruling, power = h.bloc[row, last], h.ruling[row, last], h.power[row, last]
    out = []
    for leader in sorted({int(b) for b in bloc if b >= 0}):
        members = [i for i in range(len(c.actors)) if bloc[i] == leader]
        out.append(
            Bloc(
                leader=c.actors[leader],
                members=[c.actors[i] for i in members],
                names=[c.names[i] for i in members],
                ruling=bool(ruling[members].any()),
                power_share=round(float(power[members].sum()), 4),
            )
        )
    return sorted(out, key=lambda b: (not b.ruling, -b.power_share))


def _fates(res: SimulationResult, row: int) -> Iterator[ContenderFate]:
    """Only contenders: the question a run answers is which of them is left standing."""
    c, h, o = res.compiled, res.history, res.outcomes
    last = res.months - 1
    for i in np.flatnonzero(c.contender):
        defeat = int(o.defeat_month[row, i])
        yield ContenderFate(
            actor=c.actors[i],
            name=c.names[i],
            power_share=round(float(h.power[row, last, i]), 4),
            sanction=SANCTIONS[int(o.final_sanction[row, i])],
            died=bool(o.died[row, i]),
            in_executive=bool(h.executive[row, last, i]),
            out_of_executive_since=c.label(defeat) if defeat >= 0 else None,
        )


# ---------------------------------------------------------------- the chronicle


def compact_cites(cites: Iterable[str]) -> str:
    """'S1:328 'a quote'' -> 'S1:328': the chronicle points at passages, JSON keeps quotes."""
    return ", ".join(dict.fromkeys(c.split(" ", 1)[0] for c in cites))


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
        caption="◆ a decision (magenta: history chose otherwise); sources in dim, as source:line",
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


def _pct(share: float) -> str:
    """Whole percent: a share of runs or of power is no more precise than that here."""
    return "n/a" if np.isnan(share) else f"{100 * share:.0f}%"


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
        line = Text(f"{label} ({_pct(b.power_share)} of power): ", style="bold")
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
            f.name, _pct(f.power_share), Text(f.sanction.replace("_", " "), style=style), fate
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
