"""``apparat presets``, ``apparat parameters``, ``apparat events``: what an experiment
can change, listed with titles and sources, as ``apparat decisions`` lists what ``--do``
can force. A user should not have to read the scenario's YAML to write an intervention.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from apparat.cli.render import compact_cites, make_console
from apparat.scenario import load_scenario
from apparat.scenario.models import TRAITS, Scenario

ScenarioOpt = Annotated[
    str,
    typer.Option(
        "--scenario",
        "-s",
        metavar="NAME|PATH",
        help="A bundled scenario's name (bolshevik_1923, china_1976), or a path to a "
        "YAML file or folder.",
    ),
]

# where each run's global parameters come from (experiment, validate, analyze)
ParametersOpt = Annotated[
    str | None,
    typer.Option(
        metavar="posterior|point",
        help="Each run's global parameters: drawn from the calibrated posterior "
        "(docs/calibration.md) or the scenario's point values. Default: the posterior "
        "when the scenario ships one (calibration/posterior.yaml), else point values.",
        show_default=False,
    ),
]
PosteriorOpt = Annotated[
    Path | None,
    typer.Option(
        metavar="FILE",
        help="A posterior file to draw parameters from (apparat calibrate --export).",
        show_default=False,
    ),
]


def _table(title: str, caption: str) -> Table:
    return Table(
        title=title, caption=caption, box=box.SIMPLE_HEAD, show_lines=True,
        title_justify="left", caption_justify="left", pad_edge=False,
    )  # fmt: skip


def presets_command(scenario: ScenarioOpt = "bolshevik_1923") -> None:
    """List the named experiments (--preset, --compare): title, change, sources."""
    from apparat.experiments.interventions import describe
    from apparat.experiments.presets import load_presets

    presets = load_presets(scenario)
    console = make_console()
    if not presets:
        console.print(Text(f"{scenario} has no presets (presets/presets.yaml in its folder)."))
        _print_lines(console, scenario)
        return
    s = load_scenario(scenario)
    table = _table(
        f"Presets of {s.scenario.id}",
        "run one with --preset NAME, several side by side with --compare NAME NAME ...",
    )
    table.add_column("Preset: title, antecedent, change, sources", overflow="fold")
    for p in presets.values():
        body = Text(p.id, style="bold")
        if p.given_history_until:
            body.append(f" (given the record up to {p.given_history_until})", style="dim")
        body.append(f"\n{p.title}", style="bold")
        body.append(f"\n{p.antecedent}")
        body.append(f"\n{describe(p.interventions)}", style="green")
        body.append(f"\n{compact_cites(p.cites)}", style="dim")
        table.add_row(body)
    console.print(table)
    _print_lines(console, scenario)


def _print_lines(console: Console, scenario: str) -> None:
    """The economic lines of the consequences model (``--line``): imposed on the same
    runs, they say what a line does, never who would have won it."""
    from apparat.experiments.consequences import economy_for

    data = economy_for(scenario)
    if data is None or not data.programmes:
        return
    table = _table(
        "Lines for the consequences 1928-1941 (imposed on the economy only; no politics)",
        "add one to an experiment with --line NAME: the same runs' weather and parameters "
        "under the line, beside the arms whose line comes out of the simulation",
    )
    table.add_column("Line: title, what it is, sources", overflow="fold")
    for p in data.programmes.values():
        body = Text(p.id, style="bold")
        body.append(f"\n{p.title}", style="bold")
        if p.note:
            body.append(f"\n{' '.join(p.note.split())}")
        steps = "; ".join(
            f"from {year}: economy {e:+.2f}, international {i:+.2f}, regime {r:+.2f}"
            for year, (e, i, r) in p.steps
        )
        body.append(f"\n{steps}", style="green")
        body.append(f"\n{compact_cites(p.cite.split('; '))}", style="dim")
        table.add_row(body)
    console.print(table)


def parameters_command(scenario: ScenarioOpt = "bolshevik_1923") -> None:
    """List what --set NAME=VALUE can change: parameters, traits, lines, resources."""
    from apparat.scenario.parameters import PARAMETERS

    s = load_scenario(scenario)
    console = make_console()
    table = _table(
        f"Mechanism parameters of {s.scenario.id}",
        "--set NAME=VALUE within the range (also BODY.NAME); the value is the scenario's "
        "own, or the default (dim) where the scenario sets none",
    )
    table.add_column("Parameter", no_wrap=True)
    table.add_column("Value", justify="right", no_wrap=True)
    table.add_column("Range", no_wrap=True)
    table.add_column("What it is, sources", overflow="fold")
    for name, spec in sorted(PARAMETERS.items()):
        own = s.parameters.get(name)
        value = Text(f"{own.value:g}") if own else Text(f"{spec.default:g}", style="dim")
        what = Text(spec.doc)
        if own and own.cite:
            what.append("\n" + compact_cites(str(c) for c in own.cite), style="dim")
        table.add_row(name, value, f"{spec.low:g}–{spec.high:g}", what)
    console.print(table)
    console.print(_actors_table(s))
    console.print(_offices_table(s))


def _actors_table(s: Scenario) -> Table:
    """Each actor's traits (0–1) and line on each policy axis (−1–1), as --set names them."""
    axes = [a.id for a in s.rules.axes]
    table = _table(
        "Traits and lines (--set ACTOR.TRAIT=0..1, --set ACTOR.AXIS=-1..1)",
        "sources: each value's citations in the scenario's actors.yaml",
    )
    table.add_column("Actor", no_wrap=True)
    table.add_column("Traits")
    table.add_column("Line")
    for a in s.actors:
        traits = ", ".join(f"{t} {getattr(a.traits, t).value:g}" for t in TRAITS)
        line = ", ".join(f"{ax} {a.position[ax].value:+g}" for ax in axes if ax in a.position)
        head = Text(a.id, style="bold")
        head.append(f"\n{a.name}")
        table.add_row(head, traits, line)
    return table


def _offices_table(s: Scenario) -> Table:
    """What each office is worth, as --set OFFICE.RESOURCE changes it."""
    from apparat.experiments.interventions import RESOURCES

    table = _table(
        "Offices (--set OFFICE.RESOURCE=0..1)",
        f"resources: {', '.join(RESOURCES)}; those not listed are 0",
    )
    table.add_column("Office", no_wrap=True, style="bold")
    table.add_column("Name, resources, sources", overflow="fold")
    for o in s.offices:
        worth = ", ".join(f"{r} {getattr(o, r):g}" for r in RESOURCES if getattr(o, r))
        cell = Text(o.name)
        cell.append(f"\n{worth or 'no resources'}", style="green")
        cell.append("\n" + compact_cites(str(c) for c in o.cite), style="dim")
        table.add_row(o.id, cell)
    return table


def events_command(scenario: ScenarioOpt = "bolshevik_1923") -> None:
    """List the scheduled events --shift and --drop can move or take away."""
    s = load_scenario(scenario)
    pairs = [(e.actor, e.kind) for e in s.calendar if e.actor]
    table = _table(
        f"Scheduled events of {s.scenario.id}",
        "--shift EVENT=YYYY-MM moves one, --drop EVENT takes it away; an event is named by "
        "its id or, where it is the only one of its kind about an actor, as ACTOR.KIND",
    )
    table.add_column("Month", no_wrap=True)
    table.add_column("Event", no_wrap=True)
    table.add_column("What happens (kind), sources", overflow="fold")
    for e in s.calendar:
        name = Text(e.id, style="bold")
        if e.actor and pairs.count((e.actor, e.kind)) == 1:
            name.append(f"\n{e.actor}.{e.kind}")
        what = Text(f"{e.name} ({e.kind})")
        what.append("\n" + compact_cites(str(c) for c in e.cite), style="dim")
        table.add_row(e.date, name, what)
    make_console().print(table)


def register(app: typer.Typer) -> None:
    """Add the listing commands to the main app."""
    app.command("presets", short_help="List the named experiments with titles and sources.")(
        presets_command
    )
    app.command("parameters", short_help="List what --set can change, with sources.")(
        parameters_command
    )
    app.command("events", short_help="List the events --shift and --drop can move.")(events_command)
