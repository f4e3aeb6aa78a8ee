"""Loading scenarios: the bundled one loads, malformed ones fail with located messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import apparat
from apparat import ScenarioError, load_scenario
from apparat.scenario import Scenario, bundled_scenarios
from apparat.scenario.citations import FORMS, Citation
from apparat.scenario.parameters import PARAMETERS

TOY = Path(__file__).parents[1] / "data" / "toy_triad.yaml"

# The toy's fourth actor written out in full (the file shares one traits anchor among all
# actors), so that one trait of one actor can be broken on a line of its own.
DELTA_FLOW = '  - {id: delta, name: Delta, traits: *t, position: *p, cite: "T1:1"}'
DELTA_BLOCK = """\
  - id: delta
    name: Delta
    traits:
      prestige: {value: PRESTIGE, cite: "T1:1"}
      organisation: {value: 0.5, cite: "T1:1"}
      intrigue: {value: 0.5, cite: "T1:1"}
      oratory: {value: 0.5, cite: "T1:1"}
      ambition: {value: 0.8, cite: "T1:1"}
      resolve: {value: 0.5, cite: "T1:1"}
      flexibility: {value: 0.5, cite: "T1:1"}
    position: *p
    cite: "T1:1\""""
ARMY = '{id: army, name: Army, force: 1.0, cite: "T1:1"}'
BETA = '{id: beta, name: Beta, contender: true, traits: *t, position: *p, cite: "T1:1"}'


@pytest.fixture
def toy() -> str:
    """The text of the toy scenario that the malformed inputs are edited from."""
    return TOY.read_text(encoding="utf-8")


def edit(text: str, old: str, new: str) -> str:
    """Replace the one occurrence of ``old``; fail loudly if the toy file has changed."""
    assert text.count(old) == 1, f"expected exactly one {old!r} in {TOY}"
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the one line that contains ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"expected exactly one line containing {needle!r}, got {hits}"
    return hits[0]


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


# ---- what loads ------------------------------------------------------------------------


def test_bundled_scenario_loads_by_name() -> None:
    """The bundled Bolshevik scenario loads by name into a validated Scenario."""
    scenario = load_scenario("bolshevik_1923")
    assert isinstance(scenario, Scenario)
    assert scenario.scenario.id == "bolshevik_1923"


def test_default_scenario_is_the_bolshevik_one() -> None:
    """Called without arguments, load_scenario loads the bundled Bolshevik scenario."""
    assert load_scenario() == load_scenario("bolshevik_1923")


def test_bundled_scenarios_lists_the_bolshevik_scenario_sorted() -> None:
    """bundled_scenarios names the shipped scenarios, in sorted order."""
    names = bundled_scenarios()
    assert "bolshevik_1923" in names
    assert names == sorted(names)


@pytest.mark.parametrize("name", bundled_scenarios())
def test_every_bundled_scenario_loads(name: str) -> None:
    """Each scenario that bundled_scenarios lists loads without problems."""
    assert isinstance(load_scenario(name), Scenario)


def test_toy_scenario_loads_from_a_path(toy: str, tmp_path: Path) -> None:
    """The unedited toy scenario loads from a file path (the baseline of the edits below)."""
    scenario = load_scenario(write(tmp_path, toy))
    assert [a.id for a in scenario.actors] == ["alpha", "beta", "gamma", "delta"]


def test_folder_scenario_merges_its_files(toy: str, tmp_path: Path) -> None:
    """A folder whose files each hold some top-level keys loads like the single file;
    its sub-folders (such as record/) are not read."""
    head, tail = toy.split("\nbodies:", 1)
    folder = tmp_path / "toy"
    folder.mkdir()
    write(folder, head + "\n", "a_people.yaml")
    write(folder, "bodies:" + tail, "b_institutions.yaml")
    (folder / "record").mkdir()
    write(folder / "record", "not: [a, scenario, file\n", "ignored.yaml")
    assert load_scenario(folder) == load_scenario(write(tmp_path, toy))


@pytest.mark.parametrize(
    ("text", "source", "line", "end_line", "quote"),
    [
        ("S4:120", "S4", 120, None, None),
        ("S4:120-125", "S4", 120, 125, None),
        ("S4:120 'a short quote'", "S4", 120, None, "a short quote"),
        ('S4: 120 - 125 "double quoted"', "S4", 120, 125, "double quoted"),
    ],
)
def test_compact_citation_forms_parse(
    text: str, source: str, line: int, end_line: int | None, quote: str | None
) -> None:
    """Each documented compact citation form parses into source, lines and quote."""
    cite = Citation.model_validate(text)
    assert (cite.source, cite.line, cite.end_line, cite.quote) == (source, line, end_line, quote)


# ---- what does not load, and what the message says --------------------------------------


@pytest.mark.parametrize("missing", ["no_such_scenario", "folder/missing.yaml"])
def test_missing_scenario_names_it_and_the_bundled_ones(
    missing: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name or path that is neither a file nor a bundled scenario is named, with the bundled list."""
    monkeypatch.chdir(tmp_path)
    bundled = ", ".join(bundled_scenarios())
    with pytest.raises(ScenarioError, match=re.escape(f"'{missing}'")) as info:
        load_scenario(missing)
    assert f"bundled: {bundled}" in str(info.value)


def test_yaml_syntax_error_gives_file_and_line(toy: str, tmp_path: Path) -> None:
    """A YAML syntax error is reported as file:line of the offending line."""
    text = edit(toy, "name: Alpha\n", "name: Alpha: the first\n")
    path = write(tmp_path, text)
    line = line_of(text, "name: Alpha: the first")
    with pytest.raises(ScenarioError, match=re.escape(f"{path}:{line}: YAML syntax error")):
        load_scenario(path)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    """A file whose top level is a list is refused with the reason."""
    path = write(tmp_path, "- just\n- a list\n")
    with pytest.raises(ScenarioError, match="top level must be a mapping"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("value", "reason"),
    [("1.5", "less than or equal to 1"), ("-0.1", "greater than or equal to 0")],
)
def test_trait_out_of_unit_interval_names_key_path_and_line(
    value: str, reason: str, toy: str, tmp_path: Path
) -> None:
    """A trait outside [0, 1] is reported with its key path and the line of that key."""
    text = edit(toy, DELTA_FLOW, DELTA_BLOCK.replace("PRESTIGE", value))
    path = write(tmp_path, text)
    line = line_of(text, f"prestige: {{value: {value},")
    where = f"{path}:{line}: actors[3].traits.prestige.value: "
    with pytest.raises(ScenarioError, match=re.escape(where) + f".*{reason}"):
        load_scenario(path)


def test_unknown_office_holder_is_named_with_the_known_actors(toy: str, tmp_path: Path) -> None:
    """An office held by an unknown actor names the id, where it is, and the known actors."""
    text = edit(toy, ARMY, ARMY.replace("force: 1.0", "holder: omega, force: 1.0"))
    path = write(tmp_path, text)
    line = line_of(text, "holder: omega")
    message = (
        f"{path}:{line}: offices[1].holder: unknown actor 'omega' "
        "(known: alpha, beta, delta, gamma)"
    )
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario(path)


def test_unknown_enmity_target_is_named_with_the_known_actors(toy: str, tmp_path: Path) -> None:
    """An enmity toward an unknown actor names the id, where it is, and the known actors."""
    enmity = 'enmities: [{with: omega, strength: 0.5, cite: "T1:1"}], cite: "T1:1"}'
    text = edit(toy, BETA, BETA.replace('cite: "T1:1"}', enmity))
    path = write(tmp_path, text)
    line = line_of(text, "with: omega")
    message = (
        f"{path}:{line}: actors[1].enmities[0].with: unknown actor 'omega' "
        "(known: alpha, beta, delta, gamma)"
    )
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario(path)


def test_faction_member_must_be_a_known_actor_in_one_faction_only(toy: str, tmp_path: Path) -> None:
    """A faction naming an unknown actor, or an actor already in another faction, is
    refused with the place of each problem."""
    factions = (
        "factions:\n"
        '  - {id: f1, name: One, members: [alpha, beta], cite: "T1:1"}\n'
        '  - {id: f2, name: Two, members: [beta, omega], cite: "T1:1"}\n'
    )
    path = write(tmp_path, toy + "\n" + factions)
    problems = "\n".join(load_error(path).problems)
    assert "factions[1].members[0]: 'beta' is already a member of faction 'f1'" in problems
    assert "factions[1].members[1]: unknown actor 'omega'" in problems
    ok = factions.replace("[beta, omega]", "[gamma, delta]")
    trust = apparat.engine.compile_scenario(load_scenario(write(tmp_path, toy + "\n" + ok))).trust
    names = [a.id for a in load_scenario(write(tmp_path, toy + "\n" + ok)).actors]
    a, b, g = names.index("alpha"), names.index("beta"), names.index("gamma")
    assert trust[a, b] == trust[b, a] == 1.0
    assert trust[a, g] == 0.0
    assert trust[a, a] == 0.0


def test_unknown_parameter_lists_the_valid_names(toy: str, tmp_path: Path) -> None:
    """A misspelt parameter is refused, and the message lists every valid parameter."""
    path = write(tmp_path, toy + "parameters:\n  oversght: {value: 0.3}\n")
    error = load_error(path)
    assert "unknown parameter 'oversght'" in str(error)
    valid = re.search(r"\(valid: ([^)]*)\)", str(error))
    assert valid is not None, str(error)
    assert valid[1].split(", ") == sorted(PARAMETERS)


def test_citation_of_an_unknown_source_is_refused(toy: str, tmp_path: Path) -> None:
    """A citation naming a source that is not under 'sources' is reported where it occurs."""
    text = edit(toy, ARMY, ARMY.replace('"T1:1"', '"T9:4"'))
    path = write(tmp_path, text)
    line = line_of(text, '"T9:4"')
    message = f"{path}:{line}: offices[1].cite[0]: citation names source 'T9'"
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario(path)


def test_malformed_citation_explains_the_accepted_forms(toy: str, tmp_path: Path) -> None:
    """A citation string of no accepted form is refused with the forms that are accepted."""
    text = edit(toy, ARMY, ARMY.replace('"T1:1"', '"T1 line 5"'))
    path = write(tmp_path, text)
    line = line_of(text, '"T1 line 5"')
    forms = re.escape(FORMS)
    where = re.escape(f"{path}:{line}: offices[1].cite[0]: ")
    pattern = f"{where}.*'T1 line 5' is not of the form {forms}"
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(path)


def test_duplicate_top_level_key_across_folder_files(toy: str, tmp_path: Path) -> None:
    """In a folder scenario, a top-level key set in two files is reported with the file."""
    folder = tmp_path / "toy"
    folder.mkdir()
    write(folder, toy, "a.yaml")
    second = write(folder, "sources:\n  - {id: T2, title: Another, language: en}\n", "b.yaml")
    message = f"{second}: top-level key 'sources' is also set in another file"
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario(folder)


@pytest.mark.parametrize(
    "edits",
    [
        pytest.param(
            [
                ("start: 1950-01", "start: 1950-13"),
                ("apparatus_loyalty: 0.5", "apparatus_loyalty: 2"),
                (ARMY, ARMY.replace('"T1:1"', '"T1 line 5"')),
            ],
            id="schema",
        ),
        pytest.param(
            [
                (ARMY, ARMY.replace("force: 1.0", "holder: omega, force: 1.0")),
                ("members: [alpha, beta, gamma, delta]", "members: [alpha, beta, gamma, epsilon]"),
                ("calendar:", "parameters: {majorty: {value: 0.5}}\ncalendar:"),
            ],
            id="references",
        ),
    ],
)
def test_several_problems_are_reported_at_once(
    edits: list[tuple[str, str]], toy: str, tmp_path: Path
) -> None:
    """Independent problems in one file are all reported in one error, and counted."""
    text = toy
    for old, new in edits:
        text = edit(text, old, new)
    path = write(tmp_path, text)
    error = load_error(path)
    assert len(error.problems) == len(edits), error.problems
    assert str(error).startswith(f"{path}: {len(edits)} problem(s)\n")
    assert all(problem.startswith(f"{path}:") for problem in error.problems)


def test_scenario_error_is_an_apparat_error(tmp_path: Path) -> None:
    """Loading errors can be caught as the common ApparatError."""
    with pytest.raises(apparat.ApparatError, match="no scenario file or folder"):
        load_scenario(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("effects", "message"),
    [
        ("ally: [beta], against: omega", "effects.against: unknown actor 'omega'"),
        ("against: beta", "effects.against: 'against' names a pact's enemy: it needs 'ally'"),
    ],
)
def test_a_pacts_enemy_must_be_an_actor_and_go_with_a_pact(
    effects: str, message: str, toy: str, tmp_path: Path
) -> None:
    """A pact's common enemy (``against``) names a known actor, and only a pact has one."""
    old = "effects: {motion: remove_office, office: first_secretary, body: cc}"
    text = edit(toy, old, f"effects: {{{effects}}}")
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario(path)


def test_a_faction_leader_must_be_one_of_its_members(toy: str, tmp_path: Path) -> None:
    """The leader a faction is named after must belong to it; where he does, the
    compiled scenario knows him as every member's faction leader."""
    bad = (
        'factions:\n  - {id: f1, name: One, members: [alpha, beta], leader: gamma, cite: "T1:1"}\n'
    )
    problems = "\n".join(load_error(write(tmp_path, toy + "\n" + bad)).problems)
    assert "factions[0].leader: leader 'gamma' is not a member of 'f1'" in problems
    ok = bad.replace("leader: gamma", "leader: beta")
    s = load_scenario(write(tmp_path, toy + "\n" + ok))
    c = apparat.engine.compile_scenario(s)
    names = [a.id for a in s.actors]
    beta = names.index("beta")
    assert c.faction_leader[names.index("alpha")] == beta
    assert c.faction_leader[beta] == beta
    assert c.faction_leader[names.index("gamma")] == -1
