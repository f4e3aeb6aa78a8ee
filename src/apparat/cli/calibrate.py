"""``apparat calibrate``: ABC-SMC of global parameters against the record up to a month.

Shows a progress bar per generation, keeps every finished generation in the results
store (Ctrl-C keeps them; the same command resumes), and ends with the posterior
(median and 90 % interval per parameter) and the score on the facts after the cut-off
beside the score on the training facts.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from apparat.cli.render import make_console

if TYPE_CHECKING:
    from apparat.experiments.calibration import Calibration

DEFAULT_PATH = Path("apparat_results.duckdb")  # = apparat.store.DEFAULT_PATH


def calibrate_command(
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", metavar="NAME|PATH", help="Scenario name or path.")
    ] = "bolshevik_1923",
    until: Annotated[
        str,
        typer.Option(metavar="YYYY-MM", help="Cut-off: fit the facts dated up to this month."),
    ] = "1926-12",
    parameter: Annotated[
        list[str] | None,
        typer.Option(
            "--parameter",
            "-p",
            metavar="NAME[=LOW:HIGH]",
            help="A parameter to calibrate, uniform prior over its declared range or the "
            "range given (repeatable). Without any: the top --screen parameters of a "
            "screening of the training facts (--screen-by).",
            show_default=False,
        ),
    ] = None,
    screen: Annotated[
        int, typer.Option(min=1, metavar="N", help="Keep the N parameters screening ranks top.")
    ] = 4,
    screen_by: Annotated[
        str,
        typer.Option(
            metavar="gain|morris",
            help="Rank parameters by the fall of the training distance each can bring alone "
            "(gain), or by Morris's mean absolute effect, harm included (morris).",
        ),
    ] = "gain",
    particles: Annotated[
        int, typer.Option(min=2, metavar="N", help="Particles a generation.")
    ] = 100,
    generations: Annotated[
        int, typer.Option(min=1, metavar="G", help="ABC-SMC generations (in all, on resume).")
    ] = 5,
    runs_per_particle: Annotated[
        int, typer.Option(min=1, metavar="K", help="Runs simulated for each particle.")
    ] = 10,
    test_runs: Annotated[
        int, typer.Option(min=1, metavar="N", help="Runs to score the posterior with.")
    ] = 500,
    seed: Annotated[
        int, typer.Option(min=0, metavar="N", help="Seed; same seed, same posterior.")
    ] = 1,
    record: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="The record (default: the scenario's own).", show_default=False
        ),
    ] = None,
    store: Annotated[
        Path, typer.Option(metavar="FILE", help="The results store (a DuckDB file).")
    ] = DEFAULT_PATH,
    export: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Also write the posterior to FILE (YAML); a scenario ships it as "
            "calibration/posterior.yaml in its folder.",
            show_default=False,
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--fresh",
            help="Continue a stored calibration of the same settings (default), or start over.",
        ),
    ] = True,
) -> None:
    """Estimate global parameters by ABC-SMC against the record up to --until, and
    score the posterior on the facts after it (docs/calibration.md)."""
    from apparat.cli.app import _month
    from apparat.experiments.calibration import Calibration

    cut = _month(until) or until
    console = make_console()
    if screen_by not in ("gain", "morris"):
        raise typer.BadParameter("--screen-by must be gain or morris")
    names = list(parameter or [])
    if not names:
        names = _screened(
            console, scenario, cut, record, seed, screen, runs_per_particle, screen_by
        )
    cal = Calibration(
        scenario, names, cut, particles=particles, generations=generations,
        runs_per_particle=runs_per_particle, seed=seed, store=store, record=record,
        test_runs=test_runs,
    )  # fmt: skip
    if not resume:
        _forget(cal)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("Generation 0", total=particles)

        def advance(t: int, accepted: int, wanted: int, evaluated: int) -> None:
            bar.update(
                task,
                description=f"Generation {t + 1}/{generations} ({evaluated} simulated)",
                completed=accepted,
                total=wanted,
            )

        try:
            cal.run(progress=advance)
        except KeyboardInterrupt:
            console.print(
                "[yellow]Interrupted: the finished generations are kept; run the same "
                "command again to resume.[/yellow]"
            )
            raise typer.Exit(130) from None
    _print(console, cal)
    if export is not None:
        cal.posterior_.save(export)
        console.print(f"Posterior written to {export}")


def _screened(
    console: Console,
    scenario: str,
    until: str,
    record: Path | None,
    seed: int,
    keep: int,
    k: int,
    by: str = "gain",
) -> list[str]:
    from apparat.engine import compile_scenario
    from apparat.experiments.calibration_setup import split_record
    from apparat.experiments.screening import screen, screen_gain
    from apparat.scenario import load_scenario
    from apparat.scenario.record import load_record

    c = compile_scenario(load_scenario(scenario))
    split = split_record(c, load_record(record, scenario=scenario), until)
    if by == "morris":
        with console.status("Screening the parameters (Morris)…"):
            ranked = screen(c, split, seed, runs_each=k)
        table = Table(title="Screening: effect on the training distance", box=box.SIMPLE)
        for col in ("parameter", "mu*", "sigma"):
            table.add_column(col, justify="left" if col == "parameter" else "right")
        for row in ranked.head(max(keep, 8)).itertuples():
            table.add_row(str(row.parameter), f"{row.mu_star:.4f}", f"{row.sigma:.4f}")
    else:
        with console.status("Screening the parameters (one at a time, gain)…"):
            ranked = screen_gain(c, split, seed, runs_each=4 * k)
        table = Table(
            title="Screening: fall of the training distance (Brier) from the point values",
            box=box.SIMPLE,
        )
        for col in ("parameter", "gain", "at value", "at point"):
            table.add_column(col, justify="left" if col == "parameter" else "right")
        for row in ranked.head(max(keep, 8)).itertuples():
            table.add_row(
                str(row.parameter), f"{row.gain:.4f}", f"{row.best:.3g}", f"{row.at_point:.4f}"
            )
    console.print(table)
    return [str(p) for p in ranked["parameter"].head(keep)]


def _forget(cal: Calibration) -> None:
    """--fresh: drop the sampler database of these settings, so the run starts over."""
    import hashlib

    from apparat.engine import compile_scenario
    from apparat.scenario import load_scenario

    c = compile_scenario(load_scenario(cal.scenario))  # type: ignore[arg-type]
    cid = hashlib.sha256(cal._key(c).encode()).hexdigest()[:12]
    db = Path(str(cal.store) + ".abc") / f"{cid}.db"
    db.unlink(missing_ok=True)


def _fmt(x: object) -> str:
    v = float(x)  # type: ignore[arg-type]  # a number from a pandas cell
    return "–" if math.isnan(v) else f"{v:.3f}"


def _print(console: Console, cal: Calibration) -> None:
    gens = cal.generations_
    resumed = cal.generations_resumed_
    console.print(
        f"Calibration {cal.calibration_id_}: {len(gens)} generation(s)"
        + (f", {resumed} resumed from the store" if resumed else "")
        + f", {cal.particles_simulated_:,} particles simulated in {cal.seconds_:.1f} s; "
        f"final tolerance {gens['epsilon'].iloc[-1]:.3f} (Brier)"
    )
    post = Table(title=f"Posterior (trained on facts to {cal.until})", box=box.SIMPLE)
    for col in ("parameter", "median", "90% interval", "point value"):
        post.add_column(col, justify="left" if col == "parameter" else "right")
    for r in cal.posterior_.summary().itertuples():
        post.add_row(
            str(r.parameter), _fmt(r.median), f"{_fmt(r.low)} – {_fmt(r.high)}", _fmt(r.default)
        )
    console.print(post)
    sc = Table(title="Score: share of runs reproducing each fact", box=box.SIMPLE)
    for col in ("parameters", "facts", "n", "hit rate", "median run"):
        sc.add_column(col, justify="left" if col in ("parameters", "facts") else "right")
    for r in cal.scores_.itertuples():
        sc.add_row(
            str(r.parameters), str(r.set), str(r.facts), _fmt(r.hit_rate), _fmt(r.median_run)
        )
    console.print(sc)
