"""``apparat report``: the self-contained HTML report of a stored experiment.

The report layer (matplotlib, the representative run's simulation) is imported inside
the command, so the other commands start without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DEFAULT_STORE = Path("apparat_results.duckdb")  # = apparat.store.DEFAULT_PATH


def report_command(
    experiment: Annotated[str, typer.Argument(help="An experiment id (or a unique prefix).")],
    store: Annotated[
        Path, typer.Option("--store", help="The results store (a DuckDB file).")
    ] = DEFAULT_STORE,
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            "-s",
            help="The scenario (name or path), if not the bundled one the experiment names.",
        ),
    ] = None,
) -> None:
    """Write an HTML report of a stored experiment: outcomes, pictures, a chronicle with
    its sources. One file that works offline."""
    from apparat.report.html import write_report

    path = write_report(store, experiment, out, scenario)
    typer.echo(str(path))
