"""The named experiments a scenario ships: each applies, cites its sources, and conditions
only on history before what it changes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from apparat.errors import InterventionError
from apparat.experiments import interventions as iv
from apparat.experiments.presets import get_preset, load_presets, presets_path
from apparat.scenario import Scenario
from apparat.scenario.citations import Citation

DATA = Path(__file__).resolve().parents[1] / "data"
SOURCES_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "sources"

REQUIRED = {
    "xii_congress_attack": None,
    "testament_published": "1924-04",
    "zinoviev_bloc_1923": None,
    "trotsky_joins_new_opposition_1925": "1925-10",
    "bukharin_left_bloc_1928": "1928-06",
    "trotsky_accepts_bukharin_1928": "1928-07",
    "lenin_lives_to_1926": None,
    "funeral_attended": "1923-12",
}


def test_the_bundled_presets_file_is_packaged() -> None:
    """The bundled scenario's presets file is where load_presets looks for it."""
    path = presets_path("bolshevik_1923")
    assert path is not None
    assert path.is_file()


def test_every_shipped_preset_loads_and_applies(bolshevik: Scenario) -> None:
    """Every preset of the bundled scenario applies to it, and the required ones are there
    with the conditioning month they need."""
    presets = load_presets("bolshevik_1923")
    assert set(REQUIRED) <= set(presets)
    for name, until in REQUIRED.items():
        assert presets[name].given_history_until == until, name
    for p in presets.values():
        assert p.interventions, p.id
        assert p.title.strip()
        assert p.antecedent.strip()
        assert p.cites
        applied = iv.apply(bolshevik, p.interventions)
        if p.given_history_until is not None:
            assert applied.earliest_month is not None
            assert p.given_history_until < applied.earliest_month, p.id
            assert not applied.params, p.id


def test_presets_force_the_decisions_they_name(bolshevik: Scenario) -> None:
    """The attack preset forces Trotsky's attack; Lenin living longer moves two events."""
    attack = get_preset("bolshevik_1923", "xii_congress_attack")
    assert iv.apply(bolshevik, attack.interventions).forced == {"trotsky.xii_congress": "attack"}
    lives = get_preset("bolshevik_1923", "lenin_lives_to_1926")
    applied = iv.apply(bolshevik, lives.interventions)
    dates = {e.id: e.date for e in applied.scenario.calendar}
    assert dates["lenin_stroke_1923"] == "1925-12"
    assert dates["lenin_death"] == "1926-01"


def test_preset_citations_hold_their_quotes() -> None:
    """Every preset citation names an existing line of its source, and its quote is on it."""
    if not SOURCES_DIR.is_dir():
        pytest.skip(f"source documents not found at {SOURCES_DIR.resolve()}")
    files = {p.name[:3]: p for p in SOURCES_DIR.glob("[0-9][0-9][0-9]_*.txt")}
    problems = []
    for p in load_presets("bolshevik_1923").values():
        for text in p.cites:
            cite = Citation.model_validate(text)
            lines = files[f"{int(cite.source[1:]):03d}"].read_text(encoding="utf-8").splitlines()
            end = cite.end_line or cite.line
            passage = " ".join(" ".join(lines[cite.line - 1 : end]).split())
            if not cite.quote or " ".join(cite.quote.split()) not in passage:
                problems.append(f"{p.id}: {text}")
    assert not problems, problems


def test_an_unknown_preset_lists_the_known_ones() -> None:
    """Asking for a preset the scenario lacks names the presets it has."""
    with pytest.raises(
        InterventionError, match=r"unknown preset 'trotsky_wins'.*xii_congress_attack"
    ):
        get_preset("bolshevik_1923", "trotsky_wins")


def test_a_scenario_without_presets_has_none(tmp_path: Path) -> None:
    """A scenario given as a single file, or a folder without presets, has no presets."""
    assert load_presets(DATA / "toy_triad.yaml") == {}
    assert load_presets(tmp_path) == {}
    with pytest.raises(InterventionError, match=r"presets of .*: none"):
        get_preset(tmp_path, "anything")


def _write(folder: Path, text: str) -> Path:
    (folder / "presets").mkdir(exist_ok=True)
    path = folder / "presets" / "presets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_yaml_is_refused_with_file_and_line(tmp_path: Path) -> None:
    """A presets file that is not valid YAML is refused naming the file and the line."""
    path = _write(tmp_path, "presets:\n  - id: a\n    do: [trotsky.xii_congress=attack\n")
    with pytest.raises(InterventionError, match=rf"{re.escape(str(path))}:\d+: YAML syntax error"):
        load_presets(tmp_path)


def test_a_misshapen_preset_is_refused_with_file_and_line(tmp_path: Path) -> None:
    """An unknown key or a missing field is reported at the line where it occurs."""
    path = _write(
        tmp_path,
        "presets:\n"
        "  - id: a\n"
        "    title: A\n"
        "    antecedent: Something else happens.\n"
        "    force: [trotsky.xii_congress=attack]\n"
        "    cite: 'T1:1'\n",
    )
    with pytest.raises(InterventionError, match=rf"{re.escape(str(path))}:5: presets\[0\]\.force"):
        load_presets(tmp_path)


def _toy_folder(tmp_path: Path) -> Path:
    shutil.copy(DATA / "toy_triad.yaml", tmp_path / "scenario.yaml")
    return tmp_path


PRESET = (
    "presets:\n"
    "  - id: gambit\n"
    "    title: Alpha challenges\n"
    "    antecedent: Alpha moves against the First Secretary instead of waiting.\n"
    "    do: [{do}]\n"
    "    set: [{set}]\n"
    "    given_history_until: {until}\n"
    "    cite: 'T1:1'\n"
)


def test_a_valid_preset_of_another_scenario_loads(tmp_path: Path) -> None:
    """A scenario folder with its own presets file gets its presets, checked against it."""
    folder = _toy_folder(tmp_path)
    _write(folder, PRESET.format(do="alpha.gambit=challenge", set="", until="1951-02"))
    preset = get_preset(folder, "gambit")
    assert preset.interventions == [iv.Intervention("do", "alpha.gambit", "challenge")]
    assert preset.given_history_until == "1951-02"
    assert preset.cites == ["T1:1"]


@pytest.mark.parametrize(
    ("do", "set_", "until", "message"),
    [
        ("alpha.gambit=challenge", "", "1951-03", "not after given_history_until 1951-03"),
        ("alpha.gambit=challenge", "", "1952-01", "not after given_history_until 1952-01"),
        ("alpha.gambit=challenge", "oversight=0.5", "1951-01", "'set' acts from the first month"),
        ("alpha.gambit=challenge", "", "1949-01", "outside the scenario"),
        ("alpha.gambit=resign", "", "null", "no option 'resign'; options: challenge, wait"),
    ],
)
def test_an_impossible_preset_is_refused_with_its_line(
    tmp_path: Path, do: str, set_: str, until: str, message: str
) -> None:
    """A preset that conditions on history it changes, sets a parameter while conditioning,
    or names an unknown option is refused at its line, with the reason."""
    folder = _toy_folder(tmp_path)
    path = _write(folder, PRESET.format(do=do, set=set_, until=until))
    with pytest.raises(
        InterventionError, match=rf"(?s){re.escape(str(path))}:2: preset 'gambit'.*{message}"
    ):
        load_presets(folder)


def test_duplicate_preset_ids_are_refused(tmp_path: Path) -> None:
    """Two presets with the same id are refused."""
    one = PRESET.format(do="alpha.gambit=challenge", set="", until="null")
    text = one + one.removeprefix("presets:\n")
    path = _write(_toy_folder(tmp_path), text)
    with pytest.raises(InterventionError, match=rf"{re.escape(str(path))}:\d+: duplicate id"):
        load_presets(tmp_path)
