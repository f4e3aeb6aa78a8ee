"""The command line: what a user types, what they read, and the exit codes they get."""

from __future__ import annotations

import io
import json
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from apparat import __version__
from apparat.cli import app
from apparat.cli.render import compact_cites
from apparat.scenario.loader import bundled_root

TOY = Path(__file__).parent / "data" / "toy_triad.yaml"
runner = CliRunner()


def test_version_prints_the_package_version() -> None:
    """`apparat --version` prints the installed version and exits 0."""
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_run_prints_a_cited_chronicle_and_a_summary() -> None:
    """`run --until` prints dated events with source:line citations, then the summary."""
    result = runner.invoke(app, ["run", "--seed", "1", "--until", "1924-06"])
    assert result.exit_code == 0, result.output
    assert "1923-04" in result.output
    assert re.search(r"S\d+:\d+", result.output)
    assert "XII Congress" in result.output
    assert "Offices at 1924-06" in result.output
    assert "Contenders at 1924-06" in result.output
    assert "consolidated" in result.output


def test_quiet_apparatus_leaves_out_the_routine_tallies() -> None:
    """`--quiet-apparatus` drops the secretaries' tallies but keeps the other events."""
    loud = runner.invoke(app, ["run", "--until", "1924-06", "--json"])
    quiet = runner.invoke(app, ["run", "--until", "1924-06", "--json", "--quiet-apparatus"])
    kinds = {e["kind"] for e in json.loads(quiet.output)["chronicle"]}
    assert "apparatus" in {e["kind"] for e in json.loads(loud.output)["chronicle"]}
    assert "apparatus" not in kinds
    assert "decision" in kinds


def test_run_json_is_one_document_and_reproducible() -> None:
    """`run --json` prints only JSON, and the same seed gives the identical document."""
    args = ["run", "--seed", "3", "--until", "1925-06", "--json"]
    first, second = runner.invoke(app, args), runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    doc = json.loads(first.output)
    assert doc["seed"] == 3
    assert doc["scenario"] == "bolshevik_1923"
    assert doc["months"] == 31
    assert {"offices", "blocs", "contenders", "dominant"} <= set(doc["summary"])
    assert all(e["date"] <= "1925-06" for e in doc["chronicle"])


def test_run_do_forces_the_named_option() -> None:
    """`--do DECISION=OPTION` forces that option and the JSON records it."""
    args = ["run", "--until", "1923-06", "--json", "--do", "trotsky.xii_congress=attack"]
    doc = json.loads(runner.invoke(app, args).output)
    assert doc["do"] == {"trotsky.xii_congress": "attack"}
    assert doc["summary"]["choices"]["trotsky.xii_congress"] == "attack"


def test_until_outside_the_period_exits_2_naming_the_period() -> None:
    """A month after the scenario's end is refused with the period, not a traceback."""
    result = runner.invoke(app, ["run", "--until", "1950-01"])
    assert result.exit_code == 2
    assert "1922-12" in result.output
    assert "1930-12" in result.output
    assert "Traceback" not in result.output


def test_until_must_be_a_month() -> None:
    """An --until that is not YYYY-MM is a usage error."""
    result = runner.invoke(app, ["run", "--until", "1924"])
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output


def test_unknown_decision_exits_2_listing_the_valid_ones() -> None:
    """`--do` with an unknown decision exits 2 and lists the decisions there are."""
    result = runner.invoke(app, ["run", "--do", "nosuch.decision=x"])
    assert result.exit_code == 2
    assert "nosuch.decision" in result.output
    assert "trotsky.xii_congress" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_malformed_do_exits_2_with_an_example() -> None:
    """`--do` without '=' exits 2 and shows the expected form."""
    result = runner.invoke(app, ["run", "--do", "trotsky.xii_congress"])
    assert result.exit_code == 2
    assert "DECISION=OPTION" in result.output


def test_scenario_check_passes_on_the_bundled_scenario() -> None:
    """`scenario check` on the bundled scenario prints OK with its counts."""
    result = runner.invoke(app, ["scenario", "check", "bolshevik_1923"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK")
    for word in ("actors", "offices", "events", "decisions", "citations"):
        assert word in result.output


@pytest.mark.parametrize(
    ("edit", "line"),
    [
        (lambda t: t.replace("prestige: {value: 0.6", "prestige: {value: 2.0"), 12),
        (lambda t: t.replace("executive: presidium}", "executive: presidium"), 6),
    ],
    ids=["trait-out-of-range", "yaml-syntax-error"],
)
def test_scenario_check_names_file_and_line_of_a_problem(
    tmp_path: Path, edit: Callable[[str], str], line: int
) -> None:
    """`scenario check` on a broken file exits 1 and names the file and the line."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(edit(TOY.read_text(encoding="utf-8")), encoding="utf-8")
    result = runner.invoke(app, ["scenario", "check", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:{line}" in result.output


def test_unknown_scenario_is_a_failed_check() -> None:
    """`scenario check` on a name that is neither bundled nor a file exits 1."""
    result = runner.invoke(app, ["scenario", "check", "no_such_scenario"])
    assert result.exit_code == 1
    assert "bolshevik_1923" in result.output


def test_decisions_lists_the_decision_points() -> None:
    """`decisions` lists every decision point with its historical option."""
    result = runner.invoke(app, ["decisions"])
    assert result.exit_code == 0, result.output
    assert "trotsky.xii_congress" in result.output
    assert "historical: truce" in result.output


def test_validate_prints_model_and_naive_totals() -> None:
    """`validate` scores a small ensemble and compares it with the naive baseline."""
    result = runner.invoke(app, ["validate", "--runs", "20"])
    assert result.exit_code == 0, result.output
    assert "troika_formed" in result.output
    assert re.search(r"Facts reproduced: model \d+%, naive \d+%", result.output)
    assert "Order of defeats" in result.output
    assert "naive baseline" in result.output.splitlines()[-1]


def test_validate_split_scores_each_side_and_json_holds_everything() -> None:
    """`--split` adds a column for each side of the month; `--json` prints one document
    with the same scores, per side, and nothing else."""
    result = runner.invoke(app, ["validate", "--runs", "10", "--split", "1927-01"])
    assert result.exit_code == 0, result.output
    assert "Before 1927-01" in result.output
    assert "From 1927-01" in result.output
    assert re.search(r"Brier, model +0\.\d+ +0\.\d+ +0\.\d+", result.output)
    result = runner.invoke(app, ["validate", "--runs", "10", "--split", "1927-01", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert (doc["scenario"], doc["runs"], doc["split"]) == ("bolshevik_1923", 10, "1927-01")
    assert set(doc["scores"]) == {"all", "before", "from"}
    assert doc["scores"]["before"]["facts"] + doc["scores"]["from"]["facts"] == len(
        [f for f in doc["facts"] if f["hit"]["model"] is not None]
    )
    assert {f["group"] for f in doc["facts"]} == {"before", "from"}


def test_validate_refuses_a_split_that_is_not_a_month() -> None:
    """A malformed --split is a usage error that names the value."""
    result = runner.invoke(app, ["validate", "--runs", "1", "--split", "1927"])
    assert result.exit_code == 2
    assert "'1927' is not a month" in result.output


def test_validate_refuses_a_missing_record(tmp_path: Path) -> None:
    """A record file that does not exist is an error message with exit code 2."""
    result = runner.invoke(app, ["validate", "--runs", "1", "--record", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2
    assert "no record file" in result.output


def test_validate_scores_under_a_posterior_and_says_so(tmp_path: Path) -> None:
    """`validate --posterior FILE` gives each run parameters drawn from the file (other
    scores than the point values), and the JSON says where the parameters came from."""
    from apparat.experiments.posterior import Posterior

    post = Posterior(("threat_threshold",), ((0.02,), (0.3,)), (1.0, 1.0)).save(
        tmp_path / "posterior.yaml"
    )
    args = ["validate", "--runs", "12", "--json"]
    point = runner.invoke(app, [*args, "--parameters", "point"])
    drawn = runner.invoke(app, [*args, "--posterior", str(post)])
    assert point.exit_code == 0, point.output
    assert drawn.exit_code == 0, drawn.output
    a, b = json.loads(point.output), json.loads(drawn.output)
    assert a["parameters"] == "point"
    assert b["parameters"] == f"posterior {post}"
    assert a["scores"]["all"]["brier"] != b["scores"]["all"]["brier"]


def test_validate_refuses_a_posterior_it_cannot_have(tmp_path: Path) -> None:
    """Asking for the scenario's posterior where it ships none, or giving a malformed
    file, is an error message naming the problem, not a traceback."""
    from apparat.scenario.loader import resolve_path

    bare = tmp_path / "bare"  # a scenario folder without calibration/posterior.yaml
    shutil.copytree(resolve_path("china_1976"), bare, ignore=shutil.ignore_patterns("calibration"))
    result = runner.invoke(
        app, ["validate", "--runs", "1", "-s", str(bare), "--parameters", "posterior"]
    )
    assert result.exit_code != 0
    assert "ships no posterior" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("posterior: [1, 2]\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", "--runs", "1", "--posterior", str(bad)])
    assert result.exit_code != 0
    assert "bad.yaml" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["validate", "--runs", "1", "--parameters", "best"])
    assert result.exit_code != 0
    assert "'posterior' or 'point'" in result.output


def test_experiment_prints_paired_results_and_stores_them(tmp_path: Path) -> None:
    """`apparat experiment` prints each arm's shares with the paired difference, stores
    the experiment, and `results list/show/export` read it back."""
    store = tmp_path / "r.duckdb"
    args = ["experiment", "--runs", "40", "--batch-size", "20", "--store", str(store)]
    result = runner.invoke(app, [*args, "--do", "trotsky.xii_congress=attack", "--at", "1926-12"])
    assert result.exit_code == 0, result.output
    assert "Attack Stalin (trotsky.xii_congress)" in result.output
    assert "paired difference" in result.output
    assert "Consolidated at 1926-12" in result.output
    listed = runner.invoke(app, ["results", "list", "--store", str(store)])
    assert "done" in listed.output
    eid = _ids(listed.output)[0]
    shown = runner.invoke(app, ["results", "show", eid, "--store", str(store)])
    assert "dominant_end" in shown.output
    out = tmp_path / "out"
    exported = runner.invoke(
        app, ["results", "export", eid, "--to", str(out), "--format", "csv", "--store", str(store)]
    )
    assert exported.exit_code == 0, exported.output
    assert (out / "outcomes.csv").is_file()


def _ids(listing: str) -> list[str]:
    """The experiment ids in `results list` output, top to bottom."""
    return re.findall(r"^\s*([0-9a-f]{12})\s", listing, flags=re.MULTILINE)


def test_experiment_refuses_unknown_interventions_and_presets(tmp_path: Path) -> None:
    """Unknown decisions and presets are refused with the valid names, exit code 2."""
    bad = runner.invoke(app, ["experiment", "--runs", "5", "--no-store", "--do", "x.y=z"])
    assert bad.exit_code == 2
    assert "trotsky.xii_congress" in bad.output
    preset = runner.invoke(app, ["experiment", "--runs", "5", "--no-store", "--preset", "nope"])
    assert preset.exit_code == 2
    assert "xii_congress_attack" in preset.output


def test_cli_defaults_match_the_layers_they_stand_in_for() -> None:
    """The CLI's copies of the store path and arm name (kept to start fast) are right."""
    from apparat.cli import experiment as cli_experiment
    from apparat.experiments.experiment import FACTUAL
    from apparat.store import DEFAULT_PATH

    assert cli_experiment.DEFAULT_PATH == DEFAULT_PATH
    assert cli_experiment.FACTUAL == FACTUAL


# ---------------------------------------------------------------- a scenario folder's record

COPY = Path(__file__).resolve().parent / "data" / "folder_copy"
COPY_RECORD = (COPY / "record.yaml").read_text(encoding="utf-8")
COPY_PRESETS = (COPY / "presets.yaml").read_text(encoding="utf-8")


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    """The bundled Bolshevik folder copied, with a record and presets of its own."""
    folder = tmp_path / "copy"
    shutil.copytree(bundled_root() / "bolshevik_1923", folder)
    (folder / "record" / "historical.yaml").write_text(COPY_RECORD, encoding="utf-8")
    (folder / "presets" / "presets.yaml").write_text(COPY_PRESETS, encoding="utf-8")
    return folder


def test_validate_scores_a_scenario_folder_against_its_own_record(copied: Path) -> None:
    """`validate --scenario FOLDER` scores against FOLDER/record/historical.yaml."""
    result = runner.invoke(app, ["validate", "--runs", "2", "--scenario", str(copied)])
    assert result.exit_code == 0, result.output
    assert "copy_only_fact" in result.output


def test_validate_record_option_overrides_the_folder_record(copied: Path) -> None:
    """`validate --record FILE` scores against FILE, not the folder's record."""
    bundled = bundled_root() / "bolshevik_1923" / "record" / "historical.yaml"
    args = ["validate", "--runs", "2", "--scenario", str(copied), "--record", str(bundled)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "copy_only_fact" not in result.output
    assert "Facts reproduced" in result.output


def test_validate_a_folder_without_a_record_says_how_to_give_one(copied: Path) -> None:
    """A scenario folder without a record is an error that names where it was looked for
    and the --record option, with exit code 2."""
    shutil.rmtree(copied / "record")
    result = runner.invoke(app, ["validate", "--runs", "1", "--scenario", str(copied)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "has no historical record at" in text
    assert "--record PATH" in text


def test_experiment_reads_presets_and_record_of_a_scenario_folder(copied: Path) -> None:
    """`experiment --scenario FOLDER` finds FOLDER's presets and conditions on FOLDER's
    record; --record conditions on another file."""
    base = ["experiment", "--runs", "2", "--no-store", "--scenario", str(copied)]
    result = runner.invoke(app, [*base, "--preset", "copy_only"])
    assert result.exit_code == 0, result.output
    assert "copy_only" in result.output
    (copied / "record" / "historical.yaml").write_text(
        COPY_RECORD.replace("actor: stalin", "actor: nobody"), encoding="utf-8"
    )
    result = runner.invoke(app, [*base, "--given-history-until", "1924-06"])
    assert result.exit_code == 2
    assert "unknown actor 'nobody'" in result.output
    bundled = bundled_root() / "bolshevik_1923" / "record" / "historical.yaml"
    args = [*base, "--given-history-until", "1924-06", "--record", str(bundled)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Conditioned on the record up to 1924-06" in result.output


def test_compact_cites_keep_each_place_and_drop_quotes() -> None:
    """The chronicle's dim source line keeps a citation's line, page or section, drops
    its quote and repeats no place."""
    cites = [
        "S1:328 'a quote'", "S1:328 'another'", "mac pp. 4-5 'q'",
        "wiki §Rise to power 'q'", "wiki 'q'", "not a citation",
    ]  # fmt: skip
    assert compact_cites(cites) == "S1:328, mac pp. 4-5, wiki §Rise to power, wiki, not"


# ---------------------------------------------------------------- experiment options

PRESETS = ["xii_congress_attack", "zinoviev_bloc_1923"]
TITLES = ["Trotsky attacks Stalin at the XII Congress", "Trotsky accepts Zinoviev's offer of 1923"]


def test_compare_takes_several_presets_after_one_flag() -> None:
    """`--compare A B`, as the help and README write it, runs both presets as arms, the
    same as `--compare A --compare B`; a bare word without --compare is still refused."""
    base = ["experiment", "--runs", "4", "--no-store"]
    spaced = runner.invoke(app, [*base, "--compare", *PRESETS])
    repeated = runner.invoke(app, [*base, "--compare", PRESETS[0], "--compare", PRESETS[1]])
    assert spaced.exit_code == 0, spaced.output
    assert spaced.output == repeated.output
    for preset, title in zip(PRESETS, TITLES, strict=True):
        assert f"preset {preset}:" in spaced.output
        assert title in " ".join(spaced.output.split())
    stray = runner.invoke(app, [*base, "xii_congress_attack"])
    assert stray.exit_code == 2
    assert "unexpected extra argument" in stray.output


@pytest.mark.parametrize("month", ["1999-01", "1922-01"])
def test_at_outside_the_period_is_refused(month: str) -> None:
    """`--at` a month the scenario does not cover exits 2 naming the period, instead of
    reporting that no one was dominant then."""
    result = runner.invoke(app, ["experiment", "--runs", "2", "--no-store", "--at", month])
    assert result.exit_code == 2
    assert "1922-12" in result.output
    assert "1930-12" in result.output
    assert "Consolidated at" not in result.output


def test_at_must_be_a_month() -> None:
    """An --at that is not YYYY-MM is a usage error, as for --until."""
    result = runner.invoke(app, ["experiment", "--runs", "2", "--no-store", "--at", "1926"])
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output


def test_results_show_prints_months_as_months(tmp_path: Path) -> None:
    """The median month of consolidation and its interval print as YYYY-MM, not as the
    month counts the summary computes with."""
    store = tmp_path / "r.duckdb"
    args = ["experiment", "--runs", "30", "--store", str(store)]
    assert runner.invoke(app, args).exit_code == 0
    shown = runner.invoke(app, ["results", "show", _ids(_list(store))[0], "--store", str(store)])
    assert shown.exit_code == 0, shown.output
    month = r"1\d\d\d-\d\d"
    assert re.search(
        rf"consolidation_month\s+median\s+{month} \[{month} to {month}\]", shown.output
    )
    assert not re.search(r"\b2\d{4}\.\d\b", shown.output)


def test_exported_parquet_reads_back_with_pandas(tmp_path: Path) -> None:
    """`results export --format parquet` writes files pandas.read_parquet reads as
    installed, one row per arm and run in outcomes."""
    import pandas as pd

    store, out = tmp_path / "r.duckdb", tmp_path / "out"
    args = ["experiment", "--runs", "10", "--store", str(store), "--preset", PRESETS[0]]
    assert runner.invoke(app, args).exit_code == 0
    eid = _ids(_list(store))[0]
    exported = runner.invoke(
        app, ["results", "export", eid, "--to", str(out), "--store", str(store)]
    )
    assert exported.exit_code == 0, exported.output
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert len(outcomes) == 20
    assert set(outcomes["arm"]) == {"factual", PRESETS[0]}
    assert pd.read_parquet(out / "experiment.parquet")["id"].tolist() == [eid]


def _list(store: Path) -> str:
    listed = runner.invoke(app, ["results", "list", "--store", str(store)])
    assert listed.exit_code == 0, listed.output
    return listed.output


def test_experiments_are_named_by_preset_titles_and_by_their_changes(tmp_path: Path) -> None:
    """A preset experiment is stored under its preset's title, an ad-hoc one under what
    its interventions change; none is just 'counterfactual'."""
    store = tmp_path / "r.duckdb"
    base = ["experiment", "--runs", "4", "--batch-size", "2", "--store", str(store)]
    assert runner.invoke(app, [*base, "--preset", PRESETS[0]]).exit_code == 0
    adhoc = [*base, "--do", "trotsky.xii_congress=attack", "--drop", "lenin_enrolment"]
    result = runner.invoke(app, adhoc)
    assert result.exit_code == 0, result.output
    assert "counterfactual" not in result.output
    from apparat.store import ResultsStore

    with ResultsStore(store, read_only=True) as st:
        names = set(st.experiments()["name"])
    assert names == {TITLES[0], "Attack Stalin (trotsky.xii_congress); without The Lenin enrolment"}


# ---------------------------------------------------------------- what can be changed


@pytest.mark.parametrize(
    ("scenario", "preset", "title", "event", "cite"),
    [
        ("bolshevik_1923", "xii_congress_attack", TITLES[0], "lenin_enrolment", "S4:121"),
        ("china_1976", "hua_waits_1976", "Hua waits instead of moving against", "mao_death",
         "asiasoc_mao"),
    ],
    ids=["bolshevik_1923", "china_1976"],
)  # fmt: skip
def test_presets_parameters_and_events_list_what_an_experiment_can_change(
    scenario: str, preset: str, title: str, event: str, cite: str
) -> None:
    """`presets`, `parameters` and `events` list, for either bundled scenario, the names
    an experiment takes with their titles and sources."""
    presets = runner.invoke(app, ["presets", "--scenario", scenario])
    assert presets.exit_code == 0, presets.output
    assert preset in presets.output
    assert title in " ".join(presets.output.split())
    params = runner.invoke(app, ["parameters", "-s", scenario])
    assert params.exit_code == 0, params.output
    for name in ("oversight", "ACTOR.TRAIT", "OFFICE.RESOURCE"):
        assert name in params.output
    events = runner.invoke(app, ["events", "-s", scenario])
    assert events.exit_code == 0, events.output
    assert event in events.output
    assert cite in params.output + events.output


# ---------------------------------------------------------------- 80 columns and pipes

NARROW = {"COLUMNS": "80"}
COMMANDS = [
    ["run", "--until", "1924-06"],
    ["experiment", "--runs", "20", "--no-store", "--compare", *PRESETS],
    ["experiment", "--runs", "20", "--no-store", "--do", "trotsky.xii_congress=attack"],
    ["decisions"],
    ["decisions", "-s", "china_1976"],
    ["presets"],
    ["presets", "-s", "china_1976"],
    ["parameters"],
    ["events", "-s", "china_1976"],
    ["validate", "--runs", "20", "--split", "1927-01"],
    ["validate", "--runs", "20", "-s", "china_1976"],
]
HELP = [
    [], ["run"], ["experiment"], ["results", "list"], ["results", "export"],
    ["analyze", "sensitivity"], ["analyze", "decompose"], ["validate"], ["presets"],
]  # fmt: skip


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_output_reads_at_80_columns_and_pipes_without_padding(args: list[str]) -> None:
    """At 80 columns nothing is cut short with '…' or wider than 80, and piped output
    ends its lines where the text ends."""
    result = runner.invoke(app, args, env=NARROW)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "…" not in result.output
    assert max(len(line) for line in lines) <= 80
    assert [line for line in lines if line != line.rstrip()] == []


@pytest.mark.parametrize("args", HELP, ids=lambda a: " ".join(a) or "apparat")
def test_help_reads_at_80_columns(args: list[str]) -> None:
    """Help at 80 columns names every option in full and cuts no line short."""
    result = runner.invoke(app, [*args, "--help"], env=NARROW)
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    lines = result.output.splitlines()
    assert [line for line in lines if line.endswith("...") and "[ARGS]" not in line] == []
    assert max(len(line) for line in lines) <= 80
    if args == ["experiment"]:
        assert "--given-history-until YYYY-MM" in result.output


def test_an_intervention_nothing_reads_shows_no_change_not_a_zero_interval() -> None:
    """A paired difference of exactly zero in every run reads 'no run changed', never
    '+0.0 [+0.0, +0.0]'."""
    args = ["experiment", "--runs", "20", "--no-store", "--scenario", str(TOY)]
    result = runner.invoke(app, [*args, "--set", "alpha.ambition=0.1"], env=NARROW)
    assert result.exit_code == 0, result.output
    assert "0 (no run changed)" in result.output
    assert "[+0.0, +0.0]" not in result.output


def test_values_too_rare_to_show_are_named_under_the_table() -> None:
    """A value under 0.5 % of runs in every arm gets no row of zeros; the table names it
    in its caption instead."""
    import pandas as pd
    from rich.console import Console

    from apparat.cli.experiment import _share_tables

    cols = ["arm", "outcome", "value", "runs", "estimate", "low", "high"]
    summary = pd.DataFrame(
        [
            ["factual", "strongest_end", "stalin", 1000, 0.999, 0.99, 1.0],
            ["factual", "strongest_end", "kamenev", 1000, 0.001, 0.0, 0.006],
            ["attack", "strongest_end", "stalin", 1000, 1.0, 0.996, 1.0],
        ],
        columns=cols,
    )
    diff = pd.DataFrame(
        [
            ["attack", "strongest_end", "stalin", 1000, 0.001, -0.001, 0.003],
            ["attack", "strongest_end", "kamenev", 1000, -0.001, -0.003, 0.001],
        ],
        columns=["arm", "outcome", "value", "runs", "difference", "low", "high"],
    )
    exp = SimpleNamespace(summary_=summary, differences_=diff, arms_=["factual", "attack"])
    console = Console(width=80, file=io.StringIO())
    names = {"stalin": "Joseph Stalin", "kamenev": "Lev Kamenev"}
    heads = {"factual": "factual", "attack": "attack"}
    (table,) = _share_tables(console, exp, "strongest_end", "Strongest", names, heads)  # type: ignore[arg-type]
    console.print(table)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "Under 0.5% of runs in every arm: Lev Kamenev." in text
    assert not [line for line in text.splitlines() if line.startswith("Lev Kamenev")]


def test_sensitivity_tables_never_break_a_factor_name() -> None:
    """With many outcomes at 80 columns the indices for every outcome come in several
    tables, each factor's name whole on its line."""
    import pandas as pd
    from rich.console import Console

    from apparat.cli.analyze import _print_sensitivity

    factors = ["secretariat.oversight", "factionalism_penalty", "stalin.organisation"]
    outcomes = [f"{a}_survives" for a in ("trotsky", "zinoviev", "kamenev", "bukharin")]
    outcomes += ["stalin_dominant", "consolidation_month", "rykov_survives", "tomsky_survives"]
    rows = [
        [o, f, "structure", s, 0.1, 0.0, 0.2]
        for o in outcomes for f in factors for s in ("S1", "ST")
    ]  # fmt: skip
    indices = pd.DataFrame(
        rows, columns=["outcome", "factor", "factor_group", "statistic", "estimate", "low", "high"]
    )
    sens = SimpleNamespace(
        method="sobol", outcomes_=outcomes, indices_=indices,
        labels_={o: o for o in outcomes}, means_=dict.fromkeys(outcomes, 0.5),
    )  # fmt: skip
    console = Console(width=80, file=io.StringIO())
    _print_sensitivity(console, sens)  # type: ignore[arg-type]
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "ST for every outcome (continued)" in text
    for f in factors:
        assert len(re.findall(rf"^\s*{re.escape(f)}\s", text, flags=re.MULTILINE)) == 3
    assert max(len(line) for line in text.splitlines()) <= 80


# ---------------------------------------------------------------- interrupted, resumed

KILL_AFTER_FIRST_BATCH = """
import os, signal, sys
import apparat.experiments.experiment as ex
from apparat.cli import app

write = ex._write
def write_then_die(*args):
    write(*args)
    os.kill(os.getpid(), signal.SIGKILL)  # no handler runs, as with kill -9 or a crash
ex._write = write_then_die
app(sys.argv[1:])
"""


def test_a_killed_experiment_is_listed_as_interrupted_and_resumes_saying_so(
    tmp_path: Path,
) -> None:
    """An experiment killed mid-run shows as interrupted, not running; the same command
    then says how many batches it kept, and once more says the experiment is complete."""
    store = tmp_path / "r.duckdb"
    args = ["experiment", "--runs", "20", "--batch-size", "10", "--store", str(store)]
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_FIRST_BATCH, *args],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert re.search(r"\binterrupted\b", _list(store))
    resumed = runner.invoke(app, args)
    assert resumed.exit_code == 0, resumed.output
    assert "resumed: 1 of 2 batches kept" in resumed.output  # the factual arm alone
    assert re.search(r"\bdone\b", _list(store))
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    text = " ".join(again.output.split())
    assert "is already complete" in text
    assert "resumed:" not in text
    assert "run the same command again" not in text


def test_results_list_works_while_an_experiment_writes(tmp_path: Path) -> None:
    """`apparat results list`, run in another process between two batches of a running
    experiment, lists it as running instead of failing on the lock."""
    from apparat.experiments import interventions as iv
    from apparat.experiments.experiment import Experiment

    store = tmp_path / "r.duckdb"
    seen: list[subprocess.CompletedProcess[str]] = []

    lister = [sys.executable, "-c", "from apparat.cli import app; app()", "results", "list"]

    def look(n: int) -> None:
        if n and not seen:  # after the first batch is written
            listing = [*lister, "--store", str(store)]
            seen.append(
                subprocess.run(listing, capture_output=True, text=True, timeout=120, check=False)
            )

    arms = {"attack": iv.parse(do=["trotsky.xii_congress=attack"])}
    Experiment("bolshevik_1923", 20, 1, arms, store=store, batch_size=10).run(look)
    assert seen, "the experiment reported no batch"
    assert seen[0].returncode == 0, seen[0].stderr
    assert re.search(r"\brunning\b", seen[0].stdout)
    assert re.search(r"\bdone\b", _list(store))


def test_experiment_json_carries_each_arms_consequences_and_the_imposed_line() -> None:
    """`apparat experiment --json --line` gives per-arm headline outcomes, the line arm
    paired with the factual one; presets lists the lines as imposed on the economy."""
    result = runner.invoke(
        app, ["experiment", "--runs", "6", "--no-store", "--line", "stalin_course", "--json"]
    )
    assert result.exit_code == 0, result.output
    cons = json.loads(result.output)["consequences"]
    assert cons["available"]
    assert cons["imposed_lines"] == ["line:stalin_course"]
    arms = {r["arm"] for r in cons["arms"]}
    assert arms == {"factual", "line:stalin_course"}
    line = [r for r in cons["arms"] if r["arm"] == "line:stalin_course"]
    assert all(r["diff_median"] is not None for r in line)
    listing = runner.invoke(app, ["presets"])
    assert "imposed on the economy only" in listing.output
    assert all(p in listing.output for p in ("nep_continued", "left_industrialisation"))


def test_run_command_loads_no_heavy_library() -> None:
    """`apparat run` (the chronicle and its consequences summary) never imports pandas,
    DuckDB, FastAPI, xarray or a plotting library: they cost a second of start-up."""
    heavy = ("pandas", "duckdb", "fastapi", "xarray", "matplotlib", "plotly", "pyarrow")
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from apparat.cli import app\n"
        "r = CliRunner().invoke(app, ['run', '--seed', '1', '--until', '1928-06'])\n"
        "assert r.exit_code == 0, r.output\n"
        "assert 'Consequences 1928-1941' in r.output, r.output[-2000:]\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == ""
