"""What ``apparat validate`` prints: the facts one by one, the scores by group, a verdict.

The per-fact table holds the hit rates of the model and both baselines and the timing
of each event; the scores table puts every score of the model beside the same score of
the random-timing and naive baselines, for all facts and, with ``--split``, for the
facts on either side of the split. Both tables read at 80 columns.
"""

from __future__ import annotations

import math

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from apparat.cli.render import pct
from apparat.experiments.statistics import shares
from apparat.experiments.validation import FactScore, Scores, ValidationReport

GROUP_TITLE = {"all": "All", "before": "Before {split}", "from": "From {split}"}


def _num(x: float, digits: int = 1) -> str:
    return "–" if math.isnan(x) else f"{x:.{digits}f}"


def _verdict(f: FactScore) -> str:
    return "–" if f.timing is None else f.timing.verdict


def validation_table(report: ValidationReport) -> Table:
    """One row per fact: how often the model and the baselines reproduce it, the CRPS of
    its month and whether the record's month lies in the model's 80 % interval."""
    table = Table(
        title=f"Historical record, {report.runs} runs",
        caption="±w: the window in months. Rand.: the model's events moved to random "
        "months. CRPS: of the event's month, in months (0 best). 80%: the record's month "
        "lies in the 10th–90th percentile of the simulated months (in), before it (late) "
        "or after it (early).",
        box=box.SIMPLE_HEAD,
        title_justify="left",
        caption_justify="left",
        show_footer=True,
        pad_edge=False,
        collapse_padding=True,  # one space between columns: the fact ids need the room
    )
    every = report.scores.get("all")
    table.add_column("Fact", footer="Mean over facts", overflow="fold")
    table.add_column("Date ±w", no_wrap=True)
    table.add_column("Model", justify="right", no_wrap=True, footer=pct(report.model_total))
    random_mean = every.hit.random if every else math.nan
    table.add_column("Rand.", justify="right", no_wrap=True, footer=pct(random_mean))
    table.add_column("Naive", justify="right", no_wrap=True, footer=pct(report.naive_total))
    crps_mean = every.crps.model if every else math.nan
    table.add_column("CRPS", justify="right", no_wrap=True, footer=_num(crps_mean))
    coverage = every.coverage if every else math.nan
    table.add_column("80%", no_wrap=True, footer=pct(coverage))
    for f in report.facts:
        better = "green" if f.model > f.naive else ("red" if f.model < f.naive else "")
        table.add_row(
            f.fact.id,
            f"{f.fact.date} ±{f.fact.window}",
            Text(pct(f.model), style=better),
            pct(f.random),
            pct(f.naive),
            _num(f.timing.crps.model) if f.timing else "–",
            _verdict(f),
        )
    return table


def scores_table(report: ValidationReport) -> Table:
    """Every score of the model beside the baselines', one column per group of facts."""
    table = Table(
        title="Scores",
        caption="Brier: (1 − p)², p the share of runs with the fact in its window. CRPS: "
        "of the event's month; no event counts as the last month + window + 1. Lower is "
        "better for both; the 80% intervals should cover 70–90% of the facts.",
        box=box.SIMPLE_HEAD,
        title_justify="left",
        caption_justify="left",
        pad_edge=False,
    )
    table.add_column("Score")
    groups = list(report.scores)
    for g in groups:
        table.add_column(GROUP_TITLE[g].format(split=report.split), justify="right")

    def row(label: str, show: list[str], end: bool = False) -> None:
        table.add_row(label, *show, end_section=end)

    s: list[Scores] = [report.scores[g] for g in groups]
    row("Facts (with a month in the span)", [f"{x.facts} ({x.timed})" for x in s], True)
    for name, trios in (
        ("Hit rate", [x.hit for x in s]),
        ("Median run", [x.median_run for x in s]),
    ):
        row(f"{name}, model", [pct(t.model) for t in trios])
        row(f"{name}, random timing", [pct(t.random) for t in trios])
        row(f"{name}, naive", [pct(t.naive) for t in trios], True)
    row("Brier, model", [_num(x.brier.model, 3) for x in s])
    row("Brier, random timing", [_num(x.brier.random, 3) for x in s])
    row("Brier, naive", [_num(x.brier.naive, 3) for x in s], True)
    row("CRPS in months, model", [_num(x.crps.model) for x in s])
    row("CRPS in months, random timing", [_num(x.crps.random) for x in s])
    row("CRPS in months, naive", [_num(x.crps.naive) for x in s], True)
    row("Median |error| in months", [_num(x.median_abs_error) for x in s])
    row("80% intervals covering", [pct(x.coverage) for x in s])
    return table


def beats_naive(report: ValidationReport) -> bool:
    """The model must reproduce more facts, and the order of defeats no worse, than naive."""
    order_ok = (
        report.order_model is None
        or report.order_naive is None
        or report.order_model >= report.order_naive
    )
    return report.model_total > report.naive_total and order_ok


def print_validation(console: Console, report: ValidationReport, c_names: list[str]) -> None:
    """The per-fact table, the scores, the totals, and a verdict a reader can act on in
    the last line."""
    console.print(validation_table(report))
    if report.scores:
        console.print()
        console.print(scores_table(report))
    facts = f"model {pct(report.model_total)}, naive {pct(report.naive_total)}"
    if "all" in report.scores:
        facts += f", random timing {pct(report.scores['all'].hit.random)}"
    console.print(Text(f"Facts reproduced: {facts}"))
    if report.median_run is not None and report.per_run is not None:
        q10, q90 = np.quantile(report.per_run, [0.1, 0.9])
        console.print(
            Text(
                f"Per run: the median run reproduces {pct(report.median_run)} of the facts "
                f"(10th–90th percentile {pct(float(q10))}–{pct(float(q90))})"
            )
        )
    if report.order_model is not None and report.order_naive is not None:
        order = f"model {pct(report.order_model)}, naive {pct(report.order_naive)}"
        console.print(Text(f"Order of defeats: {order}"))
    names = dict(enumerate(c_names))
    names[-1] = "no one"
    end = ", ".join(
        f"{sh.label} {pct(sh.share)} [{pct(sh.low)}–{pct(sh.high)}]"
        for sh in shares(report.dominant_end, names)
    )
    console.print(Text(f"Consolidated at the end (95% interval): {end}"))
    if beats_naive(report):
        console.print(Text("✓ The model beats the naive baseline.", style="bold green"))
    else:
        console.print(Text("✗ The model does not beat the naive baseline.", style="bold red"))
