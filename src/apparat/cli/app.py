"""The ``apparat`` command line: one run as a chronicle, scenario checks, validation.

Commands parse, call the scenario, engine and experiments layers, and render; they
hold no simulation logic. A run's summary is built once as dataclasses, so ``run`` and
``run --json`` cannot disagree: the tables and the JSON document are two views of one
object. Whatever a scenario or the engine wrote is rendered as ``Text``, never as
markup, so a bracket in a source quote cannot be taken for a style. Every
``ApparatError`` is caught once, in the top-level group, and shown as a short red
message with exit code 2: a user who mistypes a decision or a month should read what
to fix, not a traceback. Help is click's plain text, not Rich panels: it wraps long
option names and help at any width (80 columns included) and pipes without padding.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from importlib.metadata import version as package_version
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

from apparat.cli import listing
from apparat.cli.analyze import analyze_app
from apparat.cli.calibrate import calibrate_command
from apparat.cli.experiment import register
from apparat.cli.listing import ParametersOpt, PosteriorOpt, ScenarioOpt
from apparat.cli.play import play_command
from apparat.cli.render import (
    chronicle_table,
    compact_cites,
    make_console,
    print_summary,
    sources_data,
    sources_list,
)
from apparat.cli.report import report_command
from apparat.cli.serve import serve_command
from apparat.cli.validate import print_validation
from apparat.economy import Consequences, load_economy
from apparat.economy import consequences as economy_consequences
from apparat.economy.summary import headline, short_summary
from apparat.engine import SimulationResult, compile_scenario
from apparat.engine import simulate as run_batch
from apparat.engine.chronicle import Entry
from apparat.errors import ApparatError, EconomyError, ScenarioError
from apparat.experiments import validation
from apparat.experiments.validation import ValidationReport
from apparat.policies import ForcedChoice, parse_do
from apparat.report.summary import RunSummary, summarise_run
from apparat.scenario import load_scenario
from apparat.scenario.citations import Citation
from apparat.scenario.models import Scenario, parse_month
from apparat.scenario.record import load_record

VERSION = package_version("apparat")
# Routine tallies of who the secretaries and CC members owe their posts to.
APPARATUS_KINDS = frozenset({"apparatus", "cc_elected"})


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
    rich_markup_mode=None,
)
scenario_app = typer.Typer(
    help="Work with scenario files.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(scenario_app, name="scenario")

SeedOpt = Annotated[
    int, typer.Option("--seed", min=0, metavar="N", help="Seed; the same seed, the same run.")
]


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


@app.command("run", short_help="One run as a chronicle with sources, and who won.")
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
    """One run, month by month: what happened, why, on which sources, and who won; then
    what the winner's line would mean for the economy, 1928–1941 (where the scenario has
    consequences data)."""
    forced = parse_do(do or [])
    s = load_scenario(scenario)
    result = run_batch(compile_scenario(s), 1, seed, until, ForcedChoice(s, forced), True)
    entries = [e for e in result.chronicle if not (quiet_apparatus and e.kind in APPARATUS_KINDS)]
    summary = summarise_run(result)
    consequences = _consequences(result)
    if as_json:
        doc = _run_document(result, entries, summary, forced)
        if consequences is not None:
            doc["consequences"] = {k: float(v[0]) for k, v in headline(consequences).items()}
        typer.echo(_to_json(doc))
        return
    console = make_console()
    console.print(_run_header(result, forced))
    console.print(chronicle_table(entries, result.compiled.scenario))
    console.print(sources_list((c for e in entries for c in e.cites), result.compiled.scenario))
    print_summary(
        console, summary, dict(zip(result.compiled.actors, result.compiled.names, strict=True))
    )
    if consequences is not None:
        console.print(Text(short_summary(consequences), style="dim"))


def _consequences(result: SimulationResult) -> Consequences | None:
    """The run's consequences 1928-1941, where the scenario has the data and the run
    reaches the first year they model; None otherwise (the chronicle stands alone)."""
    try:
        data = load_economy(result.compiled.scenario.scenario.id)
    except (EconomyError, OSError):
        return None
    if int(result.label(result.months - 1)[:4]) < data.first_year - 1:
        return None
    return economy_consequences(result, data)


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
        "sources": sources_data((c for e in entries for c in e.cites), result.compiled.scenario),
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
    s = load_scenario(scenario)
    console = make_console()
    console.print(decisions_table(s))
    console.print(sources_list((str(c) for d in s.decisions for c in d.cite), s))


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
    table.add_column("Question and options (id: label)", ratio=4, overflow="fold")
    table.add_column("Sources", style="dim", ratio=1, min_width=7, max_width=16, overflow="fold")
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


@app.command("validate", short_help="Score an ensemble against the historical record.")
def validate_command(
    record: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="A historical record file (default: the scenario's own, "
            "record/historical.yaml in its folder).",
            show_default=False,
        ),
    ] = None,
    runs: Annotated[int, typer.Option(min=1, metavar="N", help="Runs in the ensemble.")] = 1000,
    seed: SeedOpt = 1,
    scenario: ScenarioOpt = "bolshevik_1923",
    split: Annotated[
        str | None,
        typer.Option(
            metavar="YYYY-MM",
            callback=_month,
            help="Also score the facts dated before this month and those from it apart.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document and nothing else.")
    ] = False,
    parameters: ParametersOpt = None,
    posterior: PosteriorOpt = None,
) -> None:
    """Score an ensemble against the historical record: hit rates, Brier scores, the
    CRPS of each event's month and the coverage of 80% intervals, beside a naive
    frozen-world baseline and a random-timing one. With a posterior, each run draws its
    parameters from it, so parameter uncertainty is in every interval."""
    from apparat.experiments.posterior import resolve_posterior  # pandas: only here

    s = load_scenario(scenario)
    rec = load_record(record, scenario=scenario)
    c = compile_scenario(s)
    post = resolve_posterior(scenario, parameters, posterior)
    console = make_console()

    def batch(idx: np.ndarray) -> SimulationResult:
        drawn = post.draw(seed, idx) if post is not None else None
        return run_batch(c, idx, seed, None, None, False, drawn)

    def score(progress: Callable[[int], None] | None) -> ValidationReport:
        return validation.validate(c, rec, batch, runs, progress=progress, seed=seed, split=split)

    drawn_from = "point" if post is None else "posterior " + str(posterior or "(the scenario's)")
    if as_json:
        doc = {
            "apparat": VERSION,
            "scenario": s.scenario.id,
            "parameters": drawn_from,
            **score(None).as_dict(c.names),
        }
        typer.echo(_to_json(doc))
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("Simulating runs", total=runs)
        report = score(lambda n: bar.advance(task, n))
    console.print(Text(f"Parameters: {drawn_from}.", style="dim"))
    print_validation(console, report, c.names)  # its verdict stays the last line


register(app)
listing.register(app)
# short help for the command list, which cuts longer first lines short with '...'
app.command("play", short_help="Take a contender's decisions yourself.")(play_command)
app.command("calibrate", short_help="Estimate global parameters by ABC-SMC, score out of sample.")(
    calibrate_command
)
app.command("report", short_help="An HTML report of a stored experiment.")(report_command)
app.command("serve", short_help="A web page with what-if toggles.")(serve_command)
app.add_typer(
    analyze_app, name="analyze", short_help="Sensitivity, discovery; structure or chance."
)
