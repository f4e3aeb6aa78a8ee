"""The HTML report of a stored experiment: one self-contained file that works offline.

Everything is inline: the style sheet, and the figures as base64 PNG. The page makes no
request of its own (no script, no font, no CDN), so it can be mailed, archived or
opened in a classroom without a network. All text from the store or the scenario is
escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from apparat.errors import ApparatError
from apparat.experiments.batch import content_hash, scenario_json
from apparat.experiments.consequences import economy_for
from apparat.experiments.posterior import Posterior, describe, scenario_posterior
from apparat.experiments.presets import load_presets
from apparat.experiments.summary import differences, summarise
from apparat.report import consequences as cq
from apparat.report import plots
from apparat.report.chronicle import run_section
from apparat.scenario import Scenario, load_scenario
from apparat.store import ResultsStore

FACTUAL = "factual"
TABLES = ("outcomes", "actor_outcomes", "dominance", "line_moments", "chronicle", "consequences")
OUTCOMES = {
    "dominant_end": "Who holds consolidated power at the end",
    "strongest_end": "Who is the strongest leader at the end",
    "first_out": "Who is the first leader pushed out of the Politburo",
}
CSS = """
body{font:16px/1.5 Georgia,'Times New Roman',serif;color:#222;background:#fafaf7;margin:0}
main{max-width:1100px;margin:0 auto;padding:1.5em 2em 4em}
h1{font-size:1.9em;margin-bottom:.1em}h2{border-bottom:2px solid #ccc;margin-top:2em}
.lead{color:#555;font-size:1.1em;margin-top:0}
table{border-collapse:collapse;margin:.8em 0 1.4em;font-size:.95em}
th,td{padding:.3em .7em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{background:#efefe8}td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
caption{caption-side:top;text-align:left;font-weight:bold;padding:.3em 0}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #ddd;background:#fff}
figcaption{color:#444;font-size:.95em}
.chronicle td.month{white-space:nowrap;font-weight:bold}.chronicle td.kind{color:#666;
white-space:nowrap;font-size:.85em}.routine td:last-child{color:#777;font-size:.88em}
.kind-decision td{background:#fff8e1}.kind-consolidation td{background:#e8f5e9}
.kind-sanction td:last-child{color:#8b1a1a}.offroad td{background:#f3e5f5}
.note{color:#7b1fa2;font-style:italic}a.cite{color:#1a5276;font-size:.85em;text-decoration:none}
details{display:inline}summary{display:inline;cursor:pointer;color:#888;font-size:.8em}
pre{white-space:pre-wrap;font-size:.8em;background:#f4f4f0;padding:.4em;margin:.2em 0}
ul.sources li{margin-bottom:.5em}ul.sources q{display:block;color:#555;font-style:italic}
.gloss{display:block;color:#555;font-size:.9em}
.back,.about{color:#888;font-size:.85em}.back{display:block}:target{background:#fff3a0}
.warn{background:#fff3cd;padding:.5em 1em;border-left:4px solid #e0a800}
footer{margin-top:3em;color:#777;font-size:.85em}
"""


@dataclass(frozen=True)
class _Data:
    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    quantiles: pd.DataFrame


def _read(store_path: str | Path, experiment_id: str) -> _Data:
    with ResultsStore(store_path, read_only=True) as st:
        meta = st.experiment(experiment_id)
        tables = {t: st.table(meta["id"], t) for t in TABLES}
        return _Data(meta, tables, st.power_quantiles(meta["id"]))


def _scenario(meta: Mapping[str, Any], scenario: str | Path | Scenario | None) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario if scenario is not None else str(meta["scenario_id"]))


def _posterior(meta: Mapping[str, Any], home: str | Path) -> Posterior | None:
    """The posterior the experiment drew its parameters from, where the scenario ships
    it (its hash is stored); None for point values, or for a posterior file the report
    cannot know (the representative run is then simulated on point values and says so
    if it ends otherwise)."""
    used = str((meta.get("params") or {}).get("parameters") or "point")
    if used == "point":
        return None
    try:
        shipped = scenario_posterior(home)
    except ApparatError:
        return None
    return shipped if shipped is not None and describe(shipped) == used else None


def pct(x: float) -> str:
    """A share as whole percent, as the command line prints it."""
    return "n/a" if pd.isna(x) else f"{100 * x:.0f}%"


def share_cell(estimate: float, low: float, high: float) -> str:
    """'68% [61%–74%]': the estimate and its 95 % interval."""
    return f"{pct(estimate)} [{pct(low)}–{pct(high)}]"


def diff_cell(d: float, low: float, high: float) -> str:
    """'−30.0 [−36.4, −23.6]': a paired difference in percentage points."""
    return f"{100 * d:+.1f} [{100 * low:+.1f}, {100 * high:+.1f}]"


def _month(ordinal: float) -> str:
    m = round(ordinal)
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def _kv(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _provenance(meta: Mapping[str, Any], s: Scenario, arms: Sequence[str], home: str | Path) -> str:
    runs_needed = meta.get("runs_needed")
    cond = meta.get("given_history_until")
    conditioning = (
        f"only runs that match the historical record up to {cond} were kept "
        f"({meta.get('runs')} kept of {runs_needed} simulated)"
        if cond
        else "none: every simulated run counts"
    )
    same = content_hash(scenario_json(s)) == meta.get("scenario_hash")
    sc = s.scenario
    created = str(meta.get("created", ""))[:19]
    rows = [
        ("Scenario", f"{sc.title} ({sc.id}, {sc.start} to {sc.end})"),
        ("Experiment", f"{meta.get('name')} (id {meta.get('id')}, created {created})"),
        ("Runs per arm", str(meta.get("runs"))),
        ("Seed", f"{meta.get('seed')} (the same seed gives the same numbers)"),
        ("Conditioning on history", conditioning),
        ("apparat version", f"{meta.get('apparat_version')} (report: {version('apparat')})"),
        (
            "Scenario file",
            "unchanged since the experiment"
            if same
            else "changed since the experiment; the single-run pictures use the current file",
        ),
    ]
    try:
        presets = load_presets(home)
    except (ApparatError, OSError):
        presets = {}
    items = [
        "<li><strong>factual</strong>: the world as the scenario has it; every decision "
        "is taken by the actors' own behaviour</li>"
    ]
    for arm in arms:
        if arm == FACTUAL:
            continue
        what = "; ".join(meta.get("interventions", {}).get(arm, [])) or "no change"
        p = presets.get(arm)
        extra = f" — {escape(p.title)}: {escape(p.antecedent)}" if p else ""
        items.append(f"<li><strong>{escape(arm)}</strong>: <code>{escape(what)}</code>{extra}</li>")
    return (
        _kv(rows) + "<p>The arms compared, each run with the same luck as its factual twin "
        "(common random numbers):</p><ul>" + "".join(items) + "</ul>"
    )


def _outcome_table(
    title: str,
    outcome: str,
    summary: pd.DataFrame,
    diffs: pd.DataFrame,
    arms: Sequence[str],
    names: Mapping[str, str],
) -> str:
    summ = summary[summary["outcome"] == outcome]
    diff = diffs[diffs["outcome"] == outcome] if not diffs.empty else diffs
    head = "<th></th>" + "".join(
        f"<th>{escape(a)}</th>" + ("" if a == FACTUAL else f"<th>{escape(a)} − factual</th>")
        for a in arms
    )
    rows = []
    for value in summ.groupby("value")["estimate"].max().sort_values(ascending=False).index:
        cells = [f"<td>{escape(names.get(value, value))}</td>"]
        for arm in arms:
            r = summ[(summ["arm"] == arm) & (summ["value"] == value)]
            cell = "0%" if r.empty else share_cell(*r.iloc[0][["estimate", "low", "high"]])
            cells.append(f'<td class="num">{escape(cell)}</td>')
            if arm != FACTUAL:
                d = diff[(diff["arm"] == arm) & (diff["value"] == value)] if len(diff) else diff
                text = "" if d.empty else diff_cell(*d.iloc[0][["difference", "low", "high"]])
                cells.append(f'<td class="num">{escape(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table><caption>{escape(title)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _outcomes(
    summary: pd.DataFrame, diffs: pd.DataFrame, arms: Sequence[str], names: Mapping[str, str]
) -> str:
    titles = dict(OUTCOMES)
    for o in sorted(set(summary["outcome"])):
        if o.startswith("dominant_at_"):
            titles[o] = f"Who holds consolidated power in {o.removeprefix('dominant_at_')}"
    parts = [
        "<p>Each cell is the share of runs with that outcome and, in brackets, its 95 % "
        "interval: with this many runs the true share very likely lies in that range. "
        "The columns marked “− factual” compare each run with its factual twin (same luck, "
        "one thing changed) and give the difference in percentage points; when the "
        "interval does not include 0, the change made a real difference.</p>"
    ]
    parts += [_outcome_table(t, o, summary, diffs, arms, names) for o, t in titles.items()]
    cons = summary[summary["outcome"] == "consolidation_month"]
    rows = "".join(
        f"<tr><td>{escape(str(r['arm']))}</td><td class='num'>{escape(str(r['value']))}</td>"
        f"<td class='num'>{_month(float(r['low']))} – {_month(float(r['high']))}</td>"
        f"<td class='num'>{r['runs']}</td></tr>"
        for arm in arms
        for r in cons[cons["arm"] == arm].to_dict("records")
    )
    parts.append(
        "<table><caption>When power was consolidated (runs in which someone did)</caption>"
        "<thead><tr><th>Arm</th><th>Median month</th><th>95 % interval</th><th>Runs</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>"
    )
    return "".join(parts)


def _ensemble_figures(data: _Data, summary: pd.DataFrame, s: Scenario, arms: Sequence[str]) -> str:
    names = {a.id: a.name for a in s.actors}
    contenders = [a.id for a in s.actors if a.contender]
    return "".join(
        [
            plots.embed(
                plots.dominance_chart(summary, names),
                "bar chart of who consolidates power at the end, per arm",
                "Who ends up in control. Each bar is the share of runs in which that leader "
                "(or no one) holds consolidated power in the last month; the whiskers show "
                "the 95 % interval. Compare the bars of the same leader across arms.",
            ),
            plots.embed(
                plots.fan_chart(data.quantiles, arms, contenders, names),
                "power share of each leader over time, per arm",
                "How power shifted, month by month. The line is each leader's median share "
                "of power over all runs; the darker band holds the middle half of the runs, "
                "the pale band nine runs in ten. One panel per arm, on the same scale.",
            ),
            plots.embed(
                plots.line_chart(
                    data.tables["line_moments"],
                    {a.id: (a.name, a.low, a.high) for a in s.rules.axes},
                ),
                "the governing line on the policy axes over time",
                "Which policy the majority followed. Each panel is one question, from −1 to "
                "+1; the line is the average over runs and the band one standard deviation "
                "either side, one colour per arm.",
            ),
        ]
    )


def render(data: _Data, s: Scenario, home: str | Path | None = None) -> str:
    """The whole page as one string; ``home`` is where the scenario's presets are (its
    name or folder; by default the bundled scenario of its id)."""
    meta = data.meta
    arms = plots.arm_order(list(meta.get("arms") or [FACTUAL]))
    names = {a.id: a.name for a in s.actors}
    o, a, d = (data.tables[t] for t in ("outcomes", "actor_outcomes", "dominance"))
    at = list((meta.get("params") or {}).get("at") or [])
    stored = pd.DataFrame(meta.get("summary") or [])
    summary = stored if not stored.empty else summarise(o, a, int(meta["seed"]), d, at)
    diffs = differences(o, a, FACTUAL, d, at) if len(arms) > 1 else pd.DataFrame()
    run_body, sources = run_section(
        s,
        int(meta["seed"]),
        data.tables["outcomes"],
        data.tables["chronicle"],
        arms,
        _posterior(meta, home or s.scenario.id),
    )
    figures = _ensemble_figures(data, summary, s, arms)
    try:
        economy = economy_for(home or s.scenario.id)
    except (ApparatError, OSError):  # an unreadable economy/ folder: the fans lose the record
        economy = None
    consequences = cq.section(data.tables["consequences"], arms, economy, s.scenario.id)
    title = f"{s.scenario.title}: {meta.get('name')}"
    lead = (
        f"{meta.get('runs')} simulated runs of each world, the factual one and "
        f"{len(arms) - 1} counterfactual, to see how much the outcome depended on a change."
        if len(arms) > 1
        else f"{meta.get('runs')} simulated runs of the factual world, to see how often "
        "each outcome comes about and how much was chance."
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head>
<body><main>
<h1>{escape(title)}</h1>
<p class="lead">An experiment with apparat: {escape(lead)}</p>
<section id="provenance"><h2>What was run</h2>{_provenance(meta, s, arms, home or s.scenario.id)}</section>
<section id="outcomes"><h2>Outcomes</h2>{_outcomes(summary, diffs, arms, names)}</section>
<section id="figures"><h2>Pictures of all runs</h2>{figures}</section>
<section id="consequences"><h2>Consequences 1928–1941</h2>{consequences}</section>
<section id="chronicle"><h2>Chronicle of a representative run</h2>{run_body}</section>
<section id="sources"><h2>Sources</h2><p>The passages cited in the chronicle, by
document and place in it (a line of a source file, a page, a section of a web page).</p>
{sources}</section>
<footer>Written by apparat {escape(version("apparat"))} from experiment
{escape(str(meta.get("id")))}. This page is self-contained and needs no network.</footer>
</main></body></html>
"""


def write_report(
    store_path: str | Path,
    experiment_id: str,
    out_path: str | Path,
    scenario: str | Path | Scenario | None = None,
) -> Path:
    """Write the HTML report of a stored experiment (id or unique prefix) to
    ``out_path`` and return the path. ``scenario`` (a name, a path or a loaded one)
    defaults to the scenario the experiment names."""
    data = _read(store_path, experiment_id)
    home = scenario if isinstance(scenario, str | Path) else None
    page = render(data, _scenario(data.meta, scenario), home)
    out = Path(out_path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    except OSError as e:
        raise ApparatError(f"cannot write the report to {out}: {e}") from e
    return out
