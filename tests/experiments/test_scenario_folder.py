"""A scenario given by path brings its own record and presets: experiments, presets and
conditioning read ``<folder>/record/historical.yaml`` and ``<folder>/presets/presets.yaml``
as they do for a bundled scenario; ``record=`` overrides the record; a scenario without
one is refused only when a record is needed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from apparat.errors import RecordError
from apparat.experiments.experiment import Experiment
from apparat.experiments.presets import get_preset, load_presets, presets_path
from apparat.scenario.loader import bundled_root
from apparat.scenario.record import load_record, record_path

BUNDLED_RECORD = bundled_root() / "bolshevik_1923" / "record" / "historical.yaml"
TOY = Path(__file__).resolve().parents[1] / "data" / "toy_triad.yaml"

COPY = Path(__file__).resolve().parents[1] / "data" / "folder_copy"
COPY_RECORD = (COPY / "record.yaml").read_text(encoding="utf-8")
BROKEN_RECORD = """\
record:
  scenario: bolshevik_1923
  facts:
    - {id: copy_bad_fact, kind: executive_removed, actor: nobody, date: 1922-12, window: 0,
       cite: "S4:21"}
"""
COPY_PRESETS = (COPY / "presets.yaml").read_text(encoding="utf-8")


def copy_scenario(tmp_path: Path, record: str | None = COPY_RECORD) -> Path:
    """The bundled Bolshevik folder copied to ``tmp_path``, with its own presets and
    the given record (or none)."""
    folder = tmp_path / "copy"
    shutil.copytree(bundled_root() / "bolshevik_1923", folder)
    (folder / "presets" / "presets.yaml").write_text(COPY_PRESETS, encoding="utf-8")
    if record is None:
        shutil.rmtree(folder / "record")
    else:
        (folder / "record" / "historical.yaml").write_text(record, encoding="utf-8")
    return folder


def test_presets_and_record_are_those_of_the_folder(tmp_path: Path) -> None:
    """A copied scenario folder's presets and record are read from the copy, not from
    the bundled scenario of the same id."""
    folder = copy_scenario(tmp_path)
    assert presets_path(folder) == folder / "presets" / "presets.yaml"
    assert record_path(folder) == folder / "record" / "historical.yaml"
    assert sorted(load_presets(folder)) == ["copy_late", "copy_only"]
    assert [f.id for f in load_record(scenario=folder).facts] == ["copy_only_fact"]
    assert record_path("bolshevik_1923") == BUNDLED_RECORD


def test_conditioning_reads_the_record_of_the_folder(tmp_path: Path) -> None:
    """--given-history-until on a scenario given by path conditions on the copy's record."""
    folder = copy_scenario(tmp_path, BROKEN_RECORD)
    exp = Experiment(folder, 4, 1, given_history_until="1924-06", store=None)
    with pytest.raises(RecordError, match="fact 'copy_bad_fact': unknown actor 'nobody'"):
        exp.plan()


def test_a_preset_conditions_on_the_record_of_its_folder(tmp_path: Path) -> None:
    """A preset of the copy that conditions on history uses the copy's record."""
    folder = copy_scenario(tmp_path, BROKEN_RECORD)
    preset = get_preset(folder, "copy_late")
    exp = Experiment(
        folder,
        4,
        1,
        {"copy_late": preset.interventions},
        given_history_until=preset.given_history_until,
        store=None,
    )
    with pytest.raises(RecordError, match="unknown actor 'nobody'"):
        exp.plan()


def test_record_argument_overrides_the_folder_record(tmp_path: Path) -> None:
    """record= conditions on the file given, whatever the folder holds."""
    folder = copy_scenario(tmp_path, BROKEN_RECORD)
    exp = Experiment(
        folder, 4, 1, given_history_until="1924-06", store=None, record=BUNDLED_RECORD
    ).run()
    assert len(exp.outcomes_) == 4
    assert exp.runs_tried_ >= 4
    assert exp.get_params()["record"] == str(BUNDLED_RECORD)


def test_a_folder_without_a_record_needs_one_only_to_condition(tmp_path: Path) -> None:
    """A scenario folder without a record runs experiments; conditioning on history is
    refused with where the record was looked for and how to give one."""
    folder = copy_scenario(tmp_path, record=None)
    assert len(Experiment(folder, 2, 1, store=None).run().outcomes_) == 2
    expected = folder / "record" / "historical.yaml"
    message = (
        f"scenario '{folder}' has no historical record at '{expected}'; "
        "give a record file with --record PATH (record= in Python)"
    )
    with pytest.raises(RecordError, match=re.escape(message)):
        Experiment(folder, 2, 1, given_history_until="1924-06", store=None).plan()


def test_a_scenario_file_has_no_record_of_its_own() -> None:
    """A scenario given as one file keeps no record: asking for its own is refused."""
    with pytest.raises(RecordError, match="is one file, so it has no record of its own"):
        load_record(scenario=TOY)


def test_an_unknown_scenario_has_no_record(tmp_path: Path) -> None:
    """A record asked for a scenario that is neither a folder nor bundled says so."""
    missing = tmp_path / "nowhere"
    with pytest.raises(RecordError, match="neither a scenario folder nor a bundled scenario"):
        load_record(scenario=missing)


def test_a_changed_record_is_not_resumed_from(tmp_path: Path) -> None:
    """Conditioned on a record that has changed since, an experiment does not resume the
    batches stored for the old record: they kept other runs."""
    folder = copy_scenario(tmp_path, BUNDLED_RECORD.read_text(encoding="utf-8"))
    store = tmp_path / "results.duckdb"
    first = Experiment(folder, 4, 1, given_history_until="1924-06", store=store).run()
    again = Experiment(folder, 4, 1, given_history_until="1924-06", store=store).run()
    assert again.batches_resumed_ >= 1
    assert again.experiment_id_ == first.experiment_id_
    (folder / "record" / "historical.yaml").write_text(COPY_RECORD, encoding="utf-8")
    changed = Experiment(folder, 4, 1, given_history_until="1924-06", store=store).run()
    assert changed.batches_resumed_ == 0
    assert changed.experiment_id_ != first.experiment_id_
