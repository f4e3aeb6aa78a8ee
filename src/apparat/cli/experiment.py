"""``apparat experiment`` and ``apparat results``: paired ensembles and the results store."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from typer.core import TyperCommand

from apparat.cli.listing import ParametersOpt, PosteriorOpt
from apparat.cli.render import (
    difference_interval,
    make_console,
    month_label,
    share_interval,
)
from apparat.errors import InterventionError
from apparat.scenario import load_scenario
from apparat.scenario.models import parse_month

if TYPE_CHECKING:  # pandas and DuckDB load only when an experiment command runs
    import pandas as pd

    from apparat.experiments.experiment import Experiment
    from apparat.experiments.interventions import Intervention
    from apparat.scenario.models import Scenario

DEFAULT_PATH = Path("apparat_results.duckdb")  # = apparat.store.DEFAULT_PATH (tested)
FACTUAL = "factual"  # = apparat.experiments.experiment.FACTUAL (tested)
RARE = 0.005  # a value this rare in every arm prints as 0 %: named under the table instead

StoreOpt = Annotated[
    Path, typer.Option("--store", metavar="FILE", help="The results store (a DuckDB file).")
]
OUTCOME_TITLES = {
    "dominant_end": "Consolidated at the end",
    "strongest_end": "Strongest at the end",
    "first_out": "First out of the executive",
}


class BackendChoice(StrEnum):
    """Where batches run (= apparat.experiments.backends.BACKENDS, tested)."""

    serial = "serial"
    process = "process"
    dask = "dask"


class _GreedyCompare(TyperCommand):
    """``--compare A B`` as the help writes it: every bare word after --compare names one
    more preset (click gives an option one value; this command takes no arguments, so a
    bare word can mean nothing else). ``--compare A --compare B`` works as well."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        out: list[str] = []
        greedy = False  # after --compare and its first value
        expect = False  # the next word is --compare's own value
        for arg in args:
            if arg == "--":
                greedy = expect = False
            elif expect:
                expect, greedy = False, True
            elif greedy and not arg.startswith("-"):
                out.append("--compare")
            else:
                greedy = arg.startswith("--compare=")
                expect = arg == "--compare"
            out.append(arg)
        return super().parse_args(ctx, out)


def _months(values: list[str] | None) -> list[str] | None:
    """Check the shape of each --at here; whether it lies in the period is the
    experiment's call (it knows the scenario)."""
    try:
        return [parse_month(v) for v in values] if values else values
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


results_app = typer.Typer(
    help="Browse and export stored experiments.", no_args_is_help=True, rich_markup_mode=None
)


def experiment_command(
    runs: Annotated[
        int, typer.Option(min=1, max=1_000_000, metavar="N", help="Runs per arm.")
    ] = 1000,
    seed: Annotated[
        int, typer.Option(min=0, metavar="N", help="Seed; same seed, same numbers.")
    ] = 1,
    do: Annotated[
        list[str] | None,
        typer.Option(
            metavar="DECISION=OPTION",
            help="Force a decision (`apparat decisions` lists them).",
            show_default=False,
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="NAME=VALUE",
            help="Change a parameter, trait or line (`apparat parameters`).",
            show_default=False,
        ),
    ] = None,
    shift: Annotated[
        list[str] | None,
        typer.Option(
            metavar="EVENT=YYYY-MM",
            help="Move a scheduled event (`apparat events`).",
            show_default=False,
        ),
    ] = None,
    drop: Annotated[
        list[str] | None,
        typer.Option(metavar="EVENT", help="Take an event off the calendar.", show_default=False),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="A named experiment (`apparat presets`)."),
    ] = None,
    compare: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME NAME...",
            help="Presets to run as arms side by side.",
            show_default=False,
        ),
    ] = None,
    given_history_until: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM", help="Keep only runs that match the record up to then."),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="The historical record to condition on (default: the scenario's own, "
            "record/historical.yaml in its folder).",
            show_default=False,
        ),
    ] = None,
    store: StoreOpt = DEFAULT_PATH,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Keep results in memory only.")
    ] = False,
    backend: Annotated[
        BackendChoice | None,
        typer.Option(
            help="Where batches run: serial (this process), process (local processes) or "
            "dask (a Dask cluster; needs the distributed extra). Default: serial, "
            "process when --workers is over 1, dask when --scheduler is given. The "
            "numbers are the same on every backend.",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Address of a running Dask scheduler (tcp://HOST:8786); without it "
            "--backend dask starts a local cluster and stops it at the end.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Worker processes: for process and a local dask cluster (default: one "
            "per core); without --backend, 1 runs serially and more use processes.",
            show_default=False,
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Runs per stored batch (default: up to 2,500, two batches at least).",
        ),
    ] = None,
    at: Annotated[
        list[str] | None,
        typer.Option(
            metavar="YYYY-MM",
            callback=_months,
            help="Also report who is dominant then (repeatable).",
            show_default=False,
        ),
    ] = None,
    scenario: Annotated[
        str,
        typer.Option(
            "--scenario", "-s", metavar="NAME|PATH", help="A bundled scenario's name, or a path."
        ),
    ] = "bolshevik_1923",
    parameters: ParametersOpt = None,
    posterior: PosteriorOpt = None,
    line: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LINE",
            help="Also impose a named economic line on the same runs, for the "
            "consequences only (no politics; `apparat presets` lists the lines).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the results as JSON instead of tables.")
    ] = False,
) -> None:
    """Run the factual world and counterfactual arms with common random numbers.

    \b
    The arms (every option may be repeated):
      --do DECISION=OPTION      force a decision       (apparat decisions)
      --set NAME=VALUE          change a parameter     (apparat parameters)
      --shift EVENT=YYYY-MM     move a scheduled event (apparat events)
      --drop EVENT              take an event away     (apparat events)
      --preset NAME             a named experiment     (apparat presets)
      --compare NAME NAME ...   presets side by side
      --line LINE               a line imposed on the consequences model only

    Where the scenario has consequences data, each arm's runs also drive the economy
    1928-1941: the results end with per-arm outcomes and paired differences.
    """
    from apparat.experiments.experiment import Experiment

    arms, until, titles = _arms(scenario, do, set_, shift, drop, preset, compare)
    exp = Experiment(
        scenario, runs, seed, arms,
        given_history_until=given_history_until or until, record=record,
        store=None if no_store else store, batch_size=batch_size, workers=workers,
        backend=backend.value if backend else None, scheduler=scheduler, at=at or (),
        name=" vs ".join(titles[a] for a in arms) if arms else None,
        parameters=parameters, posterior=posterior, lines=line or (),
    )  # fmt: skip
    if as_json:
        exp.run()
        typer.echo(_json_document(exp, titles, None if no_store else store))
        return
    console = make_console()
    total = runs * (len(arms) + 1)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("Simulating", total=total)
        first = [True]

        def advance(n: int) -> None:
            if first[0] and not no_store:  # the first report: the runs found stored
                _print_resumed(bar.console, exp, store)
            first[0] = False
            bar.advance(task, n)

        exp.run(progress=advance)
    _print_experiment(console, exp, titles, None if no_store else store)


def _arms(
    scenario: str,
    do: list[str] | None,
    set_: list[str] | None,
    shift: list[str] | None,
    drop: list[str] | None,
    preset: str | None,
    compare: list[str] | None,
) -> tuple[dict[str, list[Intervention]], str | None, dict[str, str]]:
    """The arms the options ask for, the conditioning month a preset declares, and each
    arm's title: a preset's own, or what the interventions change."""
    from apparat.experiments import interventions as iv
    from apparat.experiments.presets import get_preset

    arms: dict[str, list[Intervention]] = {}
    titles = {FACTUAL: "factual"}
    until: str | None = None
    direct = iv.parse(do or (), set_ or (), shift or (), drop or ())
    if direct:
        name = iv.describe(direct)
        arms[name] = direct
        titles[name] = _title(load_scenario(scenario), direct)
    for name in [*([preset] if preset else []), *(compare or [])]:
        p = get_preset(scenario, name)
        if name in arms:
            raise InterventionError(f"preset '{name}' is named twice")
        arms[name] = list(p.interventions)
        titles[name] = p.title
        if p.given_history_until and until and p.given_history_until != until:
            raise InterventionError(
                f"presets condition on different months ({until}, {p.given_history_until}); "
                "compare them in separate experiments"
            )
        until = p.given_history_until or until
    return arms, until, titles


def _title(s: Scenario, ivs: list[Intervention]) -> str:
    """What an ad-hoc arm changes, in the scenario's words: 'Attack Stalin
    (trotsky.xii_congress); without The Lenin Enrolment'."""
    options = {(d.id, o.id): o.label for d in s.decisions for o in d.options}
    events = {e.id: e for e in s.calendar}
    for e in s.calendar:
        if e.actor and sum((x.actor, x.kind) == (e.actor, e.kind) for x in s.calendar) == 1:
            events.setdefault(f"{e.actor}.{e.kind}", e)
    parts = []
    for i in ivs:
        event = events[i.target].name if i.target in events else i.target
        if i.kind == "do":
            parts.append(f"{options.get((i.target, str(i.value)), i.value)} ({i.target})")
        elif i.kind == "set":
            parts.append(f"{i.target} = {i.value}")
        elif i.kind == "shift":
            parts.append(f"{event} moved to {i.value}")
        else:
            parts.append(f"without {event}")
    return "; ".join(parts)


def _print_resumed(console: Console, exp: Experiment, store: Path) -> None:
    """Say at once when stored batches stand in for simulation."""
    kept, total = exp.batches_resumed_, exp.batches_total_
    if kept == total:
        console.print(
            Text(
                f"Experiment {exp.experiment_id_} is already complete in {store}: its stored "
                "results are reused, nothing is simulated again.",
                style="dim",
            )
        )
    elif kept:
        console.print(
            Text(
                f"resumed: {kept} of {total} batches kept from an interrupted run of "
                f"experiment {exp.experiment_id_}",
                style="bold",
            )
        )


def _print_experiment(
    console: Console, exp: Experiment, titles: dict[str, str], store: Path | None
) -> None:
    from apparat.experiments.interventions import describe

    console.print(Text("Arms, with the same luck run for run:", style="bold"))
    console.print(Padding(Text(f"{FACTUAL}: the scenario as written"), (0, 0, 0, 2)))
    for arm, ivs in (exp.arms or {}).items():
        console.print(Padding(Text(titles[arm], style="bold"), (0, 0, 0, 2)))
        what = describe(list(ivs))
        what = what if arm == what else f"preset {arm}: {what}"
        console.print(Padding(Text(what, style="dim"), (0, 0, 0, 4)))
    console.print(
        Text(
            "Shares of runs with 95% intervals; paired differences from factual in "
            "percentage points.",
            style="dim",
        )
    )
    names = _names(exp)
    headers = {a: titles.get(a, a) for a in exp.arms_}
    outcomes = dict(OUTCOME_TITLES)
    outcomes.update({f"dominant_at_{m}": f"Consolidated at {m}" for m in sorted(exp.at)})
    for outcome, title in outcomes.items():
        for table in _share_tables(console, exp, outcome, title, names, headers):
            console.print()
            console.print(table)
    console.print()
    cons = exp.summary_[exp.summary_["outcome"] == "consolidation_month"]
    for r in cons.to_dict("records"):
        span = f"{month_label(float(r['low']))} to {month_label(float(r['high']))}"
        console.print(
            Text(
                f"Median month of consolidation, {headers.get(str(r['arm']), str(r['arm']))}: "
                f"{r['value']} (95% interval {span}; {r['runs']} runs consolidated)"
            )
        )
    if exp.given_history_until:
        console.print(
            Text(
                f"Conditioned on the record up to {exp.given_history_until}: "
                f"{exp.runs} runs kept of {exp.runs_tried_} simulated."
            )
        )
    _print_consequences(console, exp, headers)
    if store is not None:
        console.print(
            Text(
                f"Stored as experiment {exp.experiment_id_} in {store}.",
                style="dim",
            )
        )


def _print_consequences(console: Console, exp: Experiment, headers: dict[str, str]) -> None:
    """The consequences 1928-1941 per arm, after the political results (or a note where
    the scenario has no consequences data)."""
    from apparat.cli import consequences as cq

    console.print()
    if exp.consequences_note_ is not None:
        console.print(Text(exp.consequences_note_.capitalize() + ".", style="dim"))
        return
    heads = {**headers, **cq.line_titles(exp)}
    console.print(Text(cq.TITLE, style="bold"))
    console.print(Text(cq.EXPLAIN.format(runs=exp.runs), style="dim"))
    if exp.line_arms_:
        console.print(
            Text(
                "An imposed line is not simulated politically: it says what the line does, "
                "not who would have won.",
                style="dim",
            )
        )
    for title, cols in cq.tables(exp.consequences_summary_, [*exp.arms_, *exp.line_arms_], heads):
        console.print()
        console.print(cq.rich_table(title, cols))


def _json_document(exp: Experiment, titles: dict[str, str], store: Path | None) -> str:
    """What --json prints: the political summary and differences, and the consequences."""
    import json

    from apparat.cli import consequences as cq

    def records(df: pd.DataFrame) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = json.loads(df.to_json(orient="records"))
        return out

    doc = {
        "experiment_id": exp.experiment_id_,
        "store": str(store) if store is not None else None,
        "scenario": str(exp.get_params()["scenario"]),
        "runs": exp.runs,
        "seed": exp.seed,
        "arms": {a: titles.get(a, a) for a in exp.arms_},
        "summary": records(exp.summary_),
        "differences": records(exp.differences_),
        "consequences": cq.document(exp),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)


def _names(exp: Experiment) -> dict[str, str]:
    s = exp.scenario if not isinstance(exp.scenario, str | Path) else load_scenario(exp.scenario)
    return {a.id: a.name for a in s.actors}


def _share_tables(
    console: Console,
    exp: Experiment,
    outcome: str,
    title: str,
    names: dict[str, str],
    headers: dict[str, str],
) -> list[Table]:
    """Rows: the outcome's values; columns: each arm's share [95 %], then each arm's
    paired difference from the factual arm. One table where it fits the console, else
    the shares and the differences as two."""
    summ = exp.summary_[exp.summary_["outcome"] == outcome]
    diff = exp.differences_[exp.differences_["outcome"] == outcome]
    others = [a for a in exp.arms_ if a != FACTUAL]
    best = summ.groupby("value")["estimate"].max().sort_values(ascending=False)
    shown = [str(v) for v, share in best.items() if share >= RARE]
    rare = [names.get(str(v), str(v)) for v, share in best.items() if share < RARE]
    label = [names.get(v, v) for v in shown]
    shares = {a: [_share_cell(summ, a, v) for v in shown] for a in exp.arms_}
    diffs = {a: [_diff_cell(diff, a, v) for v in shown] for a in others}
    columns = [("", label)]
    columns += [(headers[a], shares[a]) for a in exp.arms_]
    if len(others) == 1:
        columns.append(("paired difference", diffs[others[0]]))
    else:
        columns += [(f"{headers[a]}: difference", diffs[a]) for a in others]
    caption = f"Under 0.5% of runs in every arm: {', '.join(rare)}." if rare else None
    if _width(columns) <= console.width:
        return [_table(title, columns, caption)]
    split = len(exp.arms_) + 1
    return [
        _table(title, columns[:split], None),
        _table(f"{title}: paired differences", [columns[0], *columns[split:]], caption),
    ]


def _min_width(header: str, cells: list[str]) -> int:
    """A column's width with no cell wrapped and no header word cut (headers wrap at
    spaces)."""
    return max([len(w) for w in header.split()] + [len(c) for c in cells] + [0])


def _width(columns: list[tuple[str, list[str]]]) -> int:
    """The width of a table of these columns: each column, one space of padding either
    side but at the edges, and a one-space rule between columns."""
    return sum(_min_width(h, cells) for h, cells in columns) + 3 * len(columns) - 3


def _table(title: str, columns: list[tuple[str, list[str]]], caption: str | None) -> Table:
    table = Table(
        title=title, caption=caption, box=box.SIMPLE_HEAD, title_justify="left",
        caption_justify="left", pad_edge=False, show_edge=False,
    )  # fmt: skip
    for i, (header, cells) in enumerate(columns):
        justify: Literal["left", "right"] = "left" if i == 0 else "right"
        table.add_column(header, justify=justify, min_width=_min_width(header, cells))
    for row in zip(*(cells for _, cells in columns), strict=True):
        table.add_row(*row)
    return table


def _share_cell(summ: pd.DataFrame, arm: str, value: str) -> str:
    from apparat.experiments.statistics import wilson

    rows = summ[summ["arm"] == arm]
    row = rows[rows["value"] == value]
    if row.empty:  # no run of this arm: 0 of n, with the interval that leaves open
        n = int(rows["runs"].iloc[0]) if not rows.empty else 0
        return share_interval(0.0, *wilson(0, n)) if n else "0%"
    r = row.iloc[0]
    return share_interval(float(r["estimate"]), float(r["low"]), float(r["high"]))


def _diff_cell(diff: pd.DataFrame, arm: str, value: str) -> str:
    row = diff[(diff["arm"] == arm) & (diff["value"] == value)]
    if row.empty:  # in no run of either arm: no run changed
        return difference_interval(0.0, 0.0, 0.0)
    r = row.iloc[0]
    return difference_interval(float(r["difference"]), float(r["low"]), float(r["high"]))


@results_app.command("list")
def results_list(store: StoreOpt = DEFAULT_PATH) -> None:
    """The experiments in a store, newest first.

    Readable while an experiment writes to the store; an experiment whose process was
    killed shows as interrupted (run its command again to resume it).
    """
    from apparat.store import ResultsStore

    with ResultsStore(store, read_only=True) as st:
        df = st.experiments()
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("id", "name", "created", "runs", "seed", "status"):
        if col == "name":  # the one column that wraps (folding ids that have no spaces)
            table.add_column(col, overflow="fold", ratio=1)
        else:
            table.add_column(col, no_wrap=True, justify="right" if col == "runs" else "left")
    for row in df.itertuples():
        table.add_row(
            str(row.id), str(row.name), str(row.created)[:16], f"{row.runs:,}", str(row.seed),
            str(row.status),
        )  # fmt: skip
    make_console().print(table)


@results_app.command("show")
def results_show(
    experiment: Annotated[str, typer.Argument(help="An experiment id (or a unique prefix).")],
    store: StoreOpt = DEFAULT_PATH,
) -> None:
    """One stored experiment: its provenance and its summary."""
    import pandas as pd

    from apparat.store import ResultsStore

    with ResultsStore(store, read_only=True) as st:
        meta = st.experiment(experiment)
    console = make_console()
    for key in ("id", "name", "scenario_id", "seed", "runs", "given_history_until", "status"):
        console.print(Text(f"{key}: {meta.get(key)}"))
    console.print(Text("arms:"))
    for arm in meta.get("arms") or []:
        ivs = (meta.get("interventions") or {}).get(arm)
        what = " ".join(ivs) if ivs else "nothing forced"
        console.print(Text(f"  {arm}: {what}"))
    summary = pd.DataFrame(meta.get("summary") or [])
    if summary.empty:
        return
    for arm, rows in summary.groupby("arm", sort=False):
        table = Table(
            title=f"{arm!s}: share of runs [95% interval]", box=box.SIMPLE_HEAD,
            title_justify="left", pad_edge=False,
        )  # fmt: skip
        for col in ("outcome", "value", "estimate"):
            table.add_column(col, justify="right" if col == "estimate" else "left")
        for r in rows.to_dict("records"):
            lo, hi = float(r["low"]), float(r["high"])
            if r["outcome"] == "consolidation_month":  # a median month, not a share
                cells = ["median", f"{r['value']} [{month_label(lo)} to {month_label(hi)}]"]
            else:
                cells = [str(r["value"]), share_interval(float(r["estimate"]), lo, hi)]
            table.add_row(str(r["outcome"]), *cells)
        console.print(table)


@results_app.command("export")
def results_export(
    experiment: Annotated[str, typer.Argument(help="An experiment id (or a unique prefix).")],
    to: Annotated[
        Path, typer.Option(metavar="FOLDER", help="Folder to write the tables into.")
    ] = Path("export"),
    fmt: Annotated[
        str, typer.Option("--format", metavar="parquet|csv", help="The file format.")
    ] = "parquet",
    store: StoreOpt = DEFAULT_PATH,
) -> None:
    """Write every table of an experiment as Parquet or CSV (all files or none)."""
    from apparat.store import ResultsStore

    if fmt not in ("parquet", "csv"):
        raise typer.BadParameter("--format must be parquet or csv")
    with ResultsStore(store, read_only=True) as st:
        eid = st.experiment(experiment)["id"]
        paths = st.export(eid, to, "parquet" if fmt == "parquet" else "csv")
    for path in paths:
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add the experiment and results commands to the main app."""
    app.command(
        "experiment", cls=_GreedyCompare, short_help="Paired counterfactual ensembles, stored."
    )(experiment_command)
    app.add_typer(results_app, name="results")
