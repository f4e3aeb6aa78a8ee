"""The command line: what a user types, what they read, and the exit codes they get."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

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


def test_validate_refuses_a_missing_record(tmp_path: Path) -> None:
    """A record file that does not exist is an error message with exit code 2."""
    result = runner.invoke(app, ["validate", "--runs", "1", "--record", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2
    assert "no record file" in result.output


def test_experiment_prints_paired_results_and_stores_them(tmp_path: Path) -> None:
    """`apparat experiment` prints each arm's shares with the paired difference, stores
    the experiment, and `results list/show/export` read it back."""
    store = tmp_path / "r.duckdb"
    args = ["experiment", "--runs", "40", "--batch-size", "20", "--store", str(store)]
    result = runner.invoke(app, [*args, "--do", "trotsky.xii_congress=attack", "--at", "1926-12"])
    assert result.exit_code == 0, result.output
    assert "counterfactual: trotsky.xii_congress=attack" in result.output
    assert "paired difference" in result.output
    assert "Consolidated at 1926-12" in result.output
    listed = runner.invoke(app, ["results", "list", "--store", str(store)])
    assert "done" in listed.output
    eid = listed.output.split("\n")[3].split()[0]
    shown = runner.invoke(app, ["results", "show", eid, "--store", str(store)])
    assert "dominant_end" in shown.output
    out = tmp_path / "out"
    exported = runner.invoke(
        app, ["results", "export", eid, "--to", str(out), "--format", "csv", "--store", str(store)]
    )
    assert exported.exit_code == 0, exported.output
    assert (out / "outcomes.csv").is_file()


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
