"""``apparat analyze``: sensitivity, scenario discovery, and structure / agency / chance.

Each command builds one analysis object from ``apparat.experiments.analysis``, runs it
under a progress bar, prints Rich tables, saves plots when asked and the results in the
store. SALib, EMA Workbench and pandas load only when a command runs; a missing
optional library is an ApparatError, shown in red with its install line.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from apparat.cli.listing import ParametersOpt, PosteriorOpt
from apparat.cli.render import make_console
from apparat.policies import parse_do

if TYPE_CHECKING:
    from apparat.experiments.analysis import Decomposition, Discovery, Sensitivity

DEFAULT_PATH = Path("apparat_results.duckdb")  # = apparat.store.DEFAULT_PATH
analyze_app = typer.Typer(
    help="Sensitivity, scenario discovery, and how much was structure, choice or chance.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
Scenario = Annotated[
    str, typer.Option("--scenario", "-s", metavar="NAME|PATH", help="Scenario name or path.")
]
Seed = Annotated[int, typer.Option(min=0, metavar="N", help="Seed; same seed, same numbers.")]
Workers = Annotated[int, typer.Option(min=1, metavar="N", help="Processes to simulate in.")]
Store = Annotated[Path, typer.Option(metavar="FILE", help="The results store (a DuckDB file).")]
NoStore = Annotated[bool, typer.Option("--no-store", help="Keep results in memory only.")]
Plots = Annotated[
    Path | None, typer.Option(metavar="FOLDER", help="Save plots (PNG) into this folder.")
]
Outcomes = Annotated[
    list[str] | None,
    typer.Option(
        "--outcome", "-o", metavar="OUTCOME", help="An outcome (repeatable; `analyze outcomes`)."
    ),
]
Factors = Annotated[
    list[str] | None,
    typer.Option("--factor", "-f", metavar="FACTOR", help="Only these declared factors."),
]


def _iv(e: float, lo: float, hi: float, pct: bool = False) -> str:
    """An estimate with its interval; the estimate alone where the interval has no
    width at the precision shown (a factor no run responds to: '0.00', not
    '0.00 [0.00, 0.00]')."""
    if math.isnan(e):
        return "—"
    if pct:
        low, high = f"{100 * lo:.0f}", f"{100 * hi:.0f}"
        return f"{100 * e:.0f}%" if low == high else f"{100 * e:.0f}% [{low}, {high}]"
    if math.isnan(lo) or f"{lo:.2f}" == f"{hi:.2f}":
        return f"{e:.2f}"
    return f"{e:.2f} [{lo:.2f}, {hi:.2f}]"


def _run(console: Console, analysis: Any, what: str) -> None:
    """Run ``analysis`` under a progress bar counting its runs."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(what, total=analysis.planned_runs())
        analysis.run(progress=lambda n: bar.advance(task, n))
    console.print(
        Text(
            f"{analysis.runs_:,} runs in {analysis.seconds_:.1f} s (seed {analysis.seed}).",
            style="dim",
        )
    )


def _finish(console: Console, analysis: Any, plots: Path | None, store: Path | None) -> None:
    if plots is not None:
        from apparat.experiments.analysis.plots import write_plots

        for path in write_plots(analysis, plots):
            console.print(Text(f"plot: {path}", style="dim"))
    if store is not None and analysis.analysis_id_:
        console.print(Text(f"Stored as analysis {analysis.analysis_id_} in {store}.", style="dim"))


@analyze_app.command("sensitivity", short_help="Sobol' indices or Morris screening per factor.")
def sensitivity_command(
    method: Annotated[str, typer.Option(metavar="sobol|morris", help="The method.")] = "sobol",
    samples: Annotated[
        int,
        typer.Option(
            min=2, metavar="N", help="Sobol: base sample (power of 2); Morris: trajectories."
        ),
    ] = 256,
    outcome: Outcomes = None,
    factor: Factors = None,
    seed: Seed = 1,
    workers: Workers = 1,
    store: Store = DEFAULT_PATH,
    no_store: NoStore = False,
    plots: Plots = None,
    scenario: Scenario = "bolshevik_1923",
    parameters: ParametersOpt = None,
    posterior: PosteriorOpt = None,
) -> None:
    """Sobol' indices (or Morris screening) of the outcomes against the declared factors."""
    from apparat.experiments.analysis import Sensitivity

    if method not in ("sobol", "morris"):
        raise typer.BadParameter("--method must be sobol or morris")
    sens = Sensitivity(
        scenario, "sobol" if method == "sobol" else "morris", samples, outcome, seed,
        factors=factor, workers=workers, store=None if no_store else store,
        parameters=parameters, posterior=posterior,
    )  # fmt: skip
    console = make_console()
    _run(console, sens, f"Sensitivity ({method})")
    _print_sensitivity(console, sens)
    _finish(console, sens, plots, None if no_store else store)


def _print_sensitivity(console: Console, sens: Sensitivity) -> None:
    sobol = sens.method == "sobol"
    stats = ("S1", "ST") if sobol else ("mu_star", "sigma")
    first = sens.outcomes_[0]
    df = sens.indices_[sens.indices_["outcome"] == first]
    table = Table(
        title=f"{sens.labels_[first]} (mean {sens.means_[first]:.3g}); 95% intervals",
        box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False,
    )  # fmt: skip
    for col in ("factor", "group", *stats):
        table.add_column(col, justify="left" if col in ("factor", "group") else "right")
    order = df[df["statistic"] == stats[-1 if sobol else 0]].sort_values(
        "estimate", ascending=False
    )
    for f in order["factor"]:
        rows = df[df["factor"] == f].set_index("statistic")
        cells = [
            _iv(
                float(rows.loc[s, "estimate"]),
                float(rows.loc[s, "low"]),
                float(rows.loc[s, "high"]),
            )
            for s in stats
        ]
        table.add_row(f, str(rows["factor_group"].iloc[0]), *cells)
    console.print(table)
    if len(sens.outcomes_) > 1:
        key = "ST" if sobol else "mu_star"
        long = sens.indices_[sens.indices_["statistic"] == key]
        triples = zip(long["factor"], long["outcome"], long["estimate"], strict=True)
        value = {(str(f), str(o)): float(v) for f, o, v in triples}
        factors = [str(f) for f in order["factor"]]
        for n, part in enumerate(_fit(console.width, factors, sens.outcomes_)):
            title = f"{key} for every outcome" + (" (continued)" if n else "")
            over = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
            over.add_column("factor", no_wrap=True)
            for o in part:
                over.add_column(_short(o), justify="right", no_wrap=True)
            for name in factors:
                over.add_row(name, *(f"{value.get((name, o), math.nan):.2f}" for o in part))
            console.print(over)


def _fit(width: int, factors: list[str], outcomes: list[str]) -> list[list[str]]:
    """The outcomes in groups whose columns fit beside the factor names at ``width``:
    a factor's name is never broken, a narrow console gets several tables."""
    room = width - max(len("factor"), *(len(f) for f in factors)) - 3
    parts: list[list[str]] = [[]]
    used = 0
    for o in outcomes:
        need = max(4, *(len(w) for w in _short(o).split("\n"))) + 3
        if parts[-1] and used + need > room:
            parts.append([])
            used = 0
        parts[-1].append(o)
        used += need
    return parts


def _short(outcome: str) -> str:
    """A column header that fits: 'stalin_dominant' -> 'stalin\ndom.'."""
    for long, short in (
        ("consolidation", "cons."),
        ("_dominant", "_dom."),
        ("_survives", "_surv."),
    ):
        outcome = outcome.replace(long, short)
    return outcome.replace("_", "\n")


@analyze_app.command("discover", short_help="PRIM (and CART) boxes where an outcome happens.")
def discover_command(
    outcome: Annotated[str, typer.Option("--outcome", "-o", help="What happens or not.")] = (
        "no_one_dominant"
    ),
    samples: Annotated[
        int, typer.Option(min=10, metavar="N", help="Latin hypercube points (runs).")
    ] = 2000,
    boxes: Annotated[int, typer.Option(min=1, metavar="N", help="PRIM boxes to find.")] = 1,
    min_density: Annotated[
        float | None, typer.Option(help="Density a box must reach (default: halfway to 1).")
    ] = None,
    cart: Annotated[bool, typer.Option(help="Also grow a CART tree.")] = False,
    factor: Factors = None,
    seed: Seed = 1,
    workers: Workers = 1,
    store: Store = DEFAULT_PATH,
    no_store: NoStore = False,
    plots: Plots = None,
    scenario: Scenario = "bolshevik_1923",
    parameters: ParametersOpt = None,
    posterior: PosteriorOpt = None,
) -> None:
    """PRIM boxes of the factor space where an outcome happens, with coverage and density."""
    from apparat.experiments.analysis import Discovery

    disc = Discovery(
        scenario, outcome, samples, seed, factors=factor, boxes=boxes, min_density=min_density,
        cart=cart, workers=workers, store=None if no_store else store,
        parameters=parameters, posterior=posterior,
    )  # fmt: skip
    console = make_console()
    _run(console, disc, f"Discovery ({outcome})")
    _print_discovery(console, disc)
    _finish(console, disc, plots, None if no_store else store)


def _print_discovery(console: Console, disc: Discovery) -> None:
    share = f"{disc.cases_:,} of {disc.runs_:,} runs ({disc.base_rate_:.2%})"
    console.print(Text(f"{disc.label_}: {share}.", style="bold"))
    if disc.boxes_.empty:
        console.print(
            Text(
                f"Too few runs on one side (fewer than {disc.min_cases}) to peel toward: "
                "no box. Sample more, or widen the factors' ranges."
            )
        )
        return
    for (method, b), rows in disc.boxes_.groupby(["method", "box"], sort=True):
        r = rows.iloc[0]
        title = (
            f"{str(method).upper()} box {b}: coverage {r['coverage']:.0%}, density "
            f"{r['density']:.0%}, mass {r['mass']:.0%} ({int(r['n'])} runs)"
        )
        table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
        for col in ("factor", "low", "high", "declared range"):
            table.add_column(col, justify="left" if col == "factor" else "right")
        for row in rows.itertuples():
            if str(row.factor) not in disc.X_:
                table.add_row("(restricts no factor)", "", "", "")
                continue
            lo, hi = disc.X_[str(row.factor)].min(), disc.X_[str(row.factor)].max()
            table.add_row(
                str(row.factor), f"{row.low:.3g}", f"{row.high:.3g}", f"{lo:.3g} – {hi:.3g}"
            )
        console.print(table)


@analyze_app.command("decompose", short_help="How much was structure, how much choice or chance.")
def decompose_command(
    samples: Annotated[
        int, typer.Option(min=2, metavar="N", help="Base sample (a power of 2).")
    ] = 1024,
    outcome: Outcomes = None,
    agency: Annotated[
        str, typer.Option(help="behavioural (choices as characters make them likely) or uniform.")
    ] = "behavioural",
    do: Annotated[
        list[str] | None, typer.Option("--do", metavar="DECISION=OPTION", help="Force a decision.")
    ] = None,
    split_structure: Annotated[
        bool, typer.Option(help="Report the leaders' characters apart from structure.")
    ] = False,
    fixed_structure: Annotated[
        bool,
        typer.Option(help="Hold structure at the scenario's values; split choice from chance."),
    ] = False,
    seed: Seed = 1,
    workers: Workers = 1,
    store: Store = DEFAULT_PATH,
    no_store: NoStore = False,
    plots: Plots = None,
    scenario: Scenario = "bolshevik_1923",
    parameters: ParametersOpt = None,
    posterior: PosteriorOpt = None,
) -> None:
    """How much of an outcome's variance is structure, how much choice, how much chance."""
    from apparat.experiments.analysis import Decomposition

    if agency not in ("behavioural", "uniform"):
        raise typer.BadParameter("--agency must be behavioural or uniform")
    dec = Decomposition(
        scenario, samples, outcome, seed, agency="uniform" if agency == "uniform" else "behavioural",
        do=parse_do(do or []), split_structure=split_structure,
        factors=[] if fixed_structure else None, workers=workers,
        store=None if no_store else store, parameters=parameters, posterior=posterior,
    )  # fmt: skip
    console = make_console()
    _run(console, dec, "Decomposition")
    _print_decomposition(console, dec)
    _finish(console, dec, plots, None if no_store else store)


def _print_decomposition(console: Console, dec: Decomposition) -> None:
    for o in dec.outcomes_:
        t = dec.table(o)
        table = Table(
            title=dec.labels_[o], box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False
        )
        for col in ("part", "on its own (first-order)", "in total (with interactions)"):
            table.add_column(col, justify="left" if col == "part" else "right")
        for r in t.itertuples():
            cells = [
                _iv(getattr(r, k), getattr(r, f"{k}_low"), getattr(r, f"{k}_high"), pct=True)
                for k in ("first", "total")
            ]
            table.add_row(str(r.part), *cells)
        console.print(table)
    console.print(Text(dec.answer_))


@analyze_app.command("list")
def list_command(store: Store = DEFAULT_PATH) -> None:
    """The analyses in a store, newest first."""
    from apparat.store import ResultsStore

    with ResultsStore(store, read_only=True) as st:
        df = st.analyses.list()
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("id", "kind", "name", "created", "runs", "seed"):
        table.add_column(col, no_wrap=col != "name")
    for row in df.itertuples():
        table.add_row(
            str(row.id), str(row.kind), str(row.name), str(row.created)[:16], f"{row.runs:,}",
            str(row.seed),
        )  # fmt: skip
    make_console().print(table)


@analyze_app.command("show", short_help="One stored analysis: provenance, answer, tables.")
def show_command(
    analysis: Annotated[str, typer.Argument(help="An analysis id (or a unique prefix).")],
    store: Store = DEFAULT_PATH,
) -> None:
    """One stored analysis: its provenance, its answer, and its tables."""
    from apparat.store import ResultsStore
    from apparat.store.schema import ANALYSIS_TABLES

    console = make_console()
    with ResultsStore(store, read_only=True) as st:
        meta = st.analyses.get(analysis)
        for key in ("id", "kind", "name", "scenario_id", "seed", "samples", "runs"):
            console.print(Text(f"{key}: {meta.get(key)}"))
        console.print(Text(f"params: {meta.get('params')}"))
        if meta.get("answer"):
            console.print(Text(str(meta["answer"])))
        for name in ANALYSIS_TABLES:
            df = st.analyses.table(str(meta["id"]), name)
            if df.empty:
                continue
            table = Table(title=name, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
            for col in df.columns:
                table.add_column(str(col))
            for rec in df.itertuples(index=False):
                table.add_row(*(f"{v:.3g}" if isinstance(v, float) else str(v) for v in rec))
            console.print(table)


@analyze_app.command("outcomes")
def outcomes_command(scenario: Scenario = "bolshevik_1923") -> None:
    """The outcomes an analysis can study, with what each measures."""
    from apparat.engine import compile_scenario
    from apparat.experiments.analysis import default_outcomes, outcomes
    from apparat.scenario import load_scenario

    c = compile_scenario(load_scenario(scenario))
    defaults = set(default_outcomes(c))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, caption="* analysed by default")
    table.add_column("outcome")
    table.add_column("what it measures")
    for name, o in outcomes(c).items():
        table.add_row(name + (" *" if name in defaults else ""), o.label)
    make_console().print(table)
