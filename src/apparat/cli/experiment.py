"""``apparat experiment`` and ``apparat results``: paired ensembles and the results store."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from apparat.cli.render import pct
from apparat.errors import InterventionError
from apparat.scenario import load_scenario

if TYPE_CHECKING:  # pandas and DuckDB load only when an experiment command runs
    import pandas as pd

    from apparat.experiments.experiment import Experiment
    from apparat.experiments.interventions import Intervention

DEFAULT_PATH = Path("apparat_results.duckdb")  # = apparat.store.DEFAULT_PATH (tested)
FACTUAL = "factual"  # = apparat.experiments.experiment.FACTUAL (tested)
COUNTERFACTUAL = "counterfactual"  # the arm made of --do/--set/--shift/--drop

Many = Annotated[list[str] | None, typer.Option(show_default=False)]
StoreOpt = Annotated[Path, typer.Option("--store", help="The results store (a DuckDB file).")]
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


results_app = typer.Typer(help="Browse and export stored experiments.", no_args_is_help=True)


def experiment_command(
    runs: Annotated[int, typer.Option(min=1, max=1_000_000, help="Runs per arm.")] = 1000,
    seed: Annotated[int, typer.Option(min=0, help="Seed; same seed, same numbers.")] = 1,
    do: Many = None,
    set_: Annotated[list[str] | None, typer.Option("--set", show_default=False)] = None,
    shift: Many = None,
    drop: Many = None,
    preset: Annotated[str | None, typer.Option(help="A named experiment of the scenario.")] = None,
    compare: Annotated[
        list[str] | None, typer.Option(help="Presets to run as arms side by side.")
    ] = None,
    given_history_until: Annotated[
        str | None,
        typer.Option(help="Keep only runs that match the record up to YYYY-MM."),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            help="The historical record to condition on (default: the scenario's own, "
            "record/historical.yaml in its folder).",
            show_default=False,
        ),
    ] = None,
    store: StoreOpt = DEFAULT_PATH,
    no_store: Annotated[bool, typer.Option(help="Keep results in memory only.")] = False,
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
            help="Address of a running Dask scheduler (tcp://HOST:8786); without it "
            "--backend dask starts a local cluster and stops it at the end.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes: for process and a local dask cluster (default: one "
            "per core); without --backend, 1 runs serially and more use processes.",
            show_default=False,
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            min=1, help="Runs per stored batch (default: up to 2,500, two batches at least)."
        ),
    ] = None,
    at: Annotated[
        list[str] | None, typer.Option(help="Also report who is dominant at YYYY-MM.")
    ] = None,
    scenario: Annotated[str, typer.Option("--scenario", "-s")] = "bolshevik_1923",
) -> None:
    """Run the factual world and counterfactual arms with common random numbers.

    Interventions: --do DECISION=OPTION, --set NAME=VALUE, --shift EVENT=YYYY-MM,
    --drop EVENT; or --preset NAME, or --compare NAME NAME ... for several presets.
    """
    from apparat.experiments.experiment import Experiment

    arms, until = _arms(scenario, do, set_, shift, drop, preset, compare)
    exp = Experiment(
        scenario, runs, seed, arms,
        given_history_until=given_history_until or until, record=record,
        store=None if no_store else store, batch_size=batch_size, workers=workers,
        backend=backend.value if backend else None, scheduler=scheduler, at=at or (),
    )  # fmt: skip
    console = Console()
    total = runs * (len(arms) + 1)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("Simulating", total=total)
        exp.run(progress=lambda n: bar.advance(task, n))
    _print_experiment(console, exp, store if not no_store else None)


def _arms(
    scenario: str,
    do: list[str] | None,
    set_: list[str] | None,
    shift: list[str] | None,
    drop: list[str] | None,
    preset: str | None,
    compare: list[str] | None,
) -> tuple[dict[str, list[Intervention]], str | None]:
    """The arms the options ask for, and the conditioning month a preset declares."""
    from apparat.experiments import interventions as iv
    from apparat.experiments.presets import get_preset

    arms: dict[str, list[Intervention]] = {}
    until: str | None = None
    direct = iv.parse(do or (), set_ or (), shift or (), drop or ())
    if direct:
        arms[COUNTERFACTUAL] = direct
    for name in [*([preset] if preset else []), *(compare or [])]:
        p = get_preset(scenario, name)
        if name in arms:
            raise InterventionError(f"preset '{name}' is named twice")
        arms[name] = list(p.interventions)
        if p.given_history_until and until and p.given_history_until != until:
            raise InterventionError(
                f"presets condition on different months ({until}, {p.given_history_until}); "
                "compare them in separate experiments"
            )
        until = p.given_history_until or until
    return arms, until


def _print_experiment(console: Console, exp: Experiment, store: Path | None) -> None:
    from apparat.experiments.interventions import describe

    for arm, ivs in (exp.arms or {}).items():
        console.print(Text(f"{arm}: {describe(list(ivs))}", style="bold"))
    names = _names(exp)
    titles = dict(OUTCOME_TITLES)
    titles.update({f"dominant_at_{m}": f"Consolidated at {m}" for m in sorted(exp.at)})
    for outcome, title in titles.items():
        console.print(_share_table(exp, outcome, title, names))
    cons = exp.summary_[exp.summary_["outcome"] == "consolidation_month"]
    for row in cons.itertuples():
        console.print(
            Text(f"Median month of consolidation, {row.arm}: {row.value} ({row.runs} runs)")
        )
    if exp.given_history_until:
        console.print(
            Text(
                f"Conditioned on the record up to {exp.given_history_until}: "
                f"{exp.runs} runs kept of {exp.runs_tried_} simulated."
            )
        )
    if store is not None:
        console.print(
            Text(
                f"Stored as experiment {exp.experiment_id_} in {store}; run the same command "
                "again to resume an interrupted experiment.",
                style="dim",
            )
        )


def _names(exp: Experiment) -> dict[str, str]:
    s = exp.scenario if not isinstance(exp.scenario, str | Path) else load_scenario(exp.scenario)
    return {a.id: a.name for a in s.actors}


def _share_table(exp: Experiment, outcome: str, title: str, names: dict[str, str]) -> Table:
    """Rows: values of the outcome; columns: each arm's share [95 %] and its paired
    difference from the factual arm."""
    summ = exp.summary_[exp.summary_["outcome"] == outcome]
    diff = exp.differences_[exp.differences_["outcome"] == outcome]
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    table.add_column("")
    for arm in exp.arms_:
        table.add_column(arm if arm == FACTUAL else f"{arm}", justify="right")
        if arm != FACTUAL:
            table.add_column("paired difference", justify="right")
    values = summ.groupby("value")["estimate"].max().sort_values(ascending=False).index
    for value in values:
        cells = [names.get(value, value)]
        for arm in exp.arms_:
            cells.append(_share_cell(summ, arm, value))
            if arm != FACTUAL:
                cells.append(_diff_cell(diff, arm, value))
        table.add_row(*cells)
    return table


def _share_cell(summ: pd.DataFrame, arm: str, value: str) -> str:
    row = summ[(summ["arm"] == arm) & (summ["value"] == value)]
    if row.empty:
        return "0%"
    r = row.iloc[0]
    return f"{pct(r['estimate'])} [{pct(r['low'])}–{pct(r['high'])}]"


def _diff_cell(diff: pd.DataFrame, arm: str, value: str) -> str:
    row = diff[(diff["arm"] == arm) & (diff["value"] == value)]
    if row.empty:
        return ""
    r = row.iloc[0]
    return f"{100 * r['difference']:+.1f} [{100 * r['low']:+.1f}, {100 * r['high']:+.1f}]"


@results_app.command("list")
def results_list(store: StoreOpt = DEFAULT_PATH) -> None:
    """The experiments in a store, newest first."""
    from apparat.store import ResultsStore

    with ResultsStore(store, read_only=True) as st:
        df = st.experiments()
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("id", "name", "created", "runs", "seed", "status"):
        table.add_column(col)
    for row in df.itertuples():
        table.add_row(
            str(row.id), str(row.name), str(row.created)[:19], str(row.runs), str(row.seed),
            str(row.status),
        )  # fmt: skip
    Console().print(table)


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
    console = Console()
    for key in ("id", "name", "scenario_id", "seed", "runs", "given_history_until", "status"):
        console.print(Text(f"{key}: {meta.get(key)}"))
    console.print(Text(f"arms: {meta.get('interventions')}"))
    summary = pd.DataFrame(meta.get("summary") or [])
    if not summary.empty:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        for col in ("arm", "outcome", "value", "estimate", "low", "high"):
            table.add_column(col)
        for r in summary.to_dict("records"):
            share = r["outcome"] != "consolidation_month"
            cells = [float(r[k]) for k in ("estimate", "low", "high")]
            shown = [pct(x) if share else f"{x:.1f}" for x in cells]
            table.add_row(str(r["arm"]), str(r["outcome"]), str(r["value"]), *shown)
        console.print(table)


@results_app.command("export")
def results_export(
    experiment: Annotated[str, typer.Argument(help="An experiment id (or a unique prefix).")],
    to: Annotated[Path, typer.Option(help="Folder to write the tables into.")] = Path("export"),
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    store: StoreOpt = DEFAULT_PATH,
) -> None:
    """Write every table of an experiment as Parquet or CSV files."""
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
    app.command("experiment")(experiment_command)
    app.add_typer(results_app, name="results")
