"""A hostile or broken scenario, record or presets file is refused with apparat's own
error, naming the file (and line): it never hangs, exhausts memory or raises anything
else, and no number that passes the checks crashes the engine or makes it lie."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apparat import ScenarioError, load_scenario
from apparat.cli import app
from apparat.errors import InterventionError, RecordError
from apparat.experiments.presets import load_presets
from apparat.scenario.citations import Citation
from apparat.scenario.reading import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, read_text
from apparat.scenario.record import load_record
from apparat.scenario.sources import Source, quote_problems

TOY = Path(__file__).parents[1] / "data" / "toy_triad.yaml"
# nine lines, 9**9 values once the aliases are expanded
BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 9)}]\n" for k in range(1, 9)
)


@pytest.fixture
def toy() -> str:
    """The text of the toy scenario that the broken inputs are edited from."""
    return TOY.read_text(encoding="utf-8")


def edit(text: str, old: str, new: str) -> str:
    """Replace the one occurrence of ``old``; fail loudly if the toy file has changed."""
    assert text.count(old) == 1, f"expected exactly one {old!r} in {TOY}"
    return text.replace(old, new)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail, rather than hang the suite, if the block runs past ``seconds`` (where the
    platform has POSIX timers)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def alarm(signum: int, frame: object) -> None:
        raise TimeoutError(f"ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def refused(path: Path, pattern: str) -> ScenarioError:
    """Load ``path`` within seconds; it must fail with a ScenarioError matching ``pattern``."""
    with within(10), pytest.raises(ScenarioError, match=pattern) as info:
        load_scenario(path)
    return info.value


# ---- what a file may be ----------------------------------------------------------------


def _scenario_file(tmp_path: Path, text: str) -> Callable[[], object]:
    folder = tmp_path / "toy"
    write(folder / "scenario.yaml", TOY.read_text(encoding="utf-8"))
    write(folder / "zz.yaml", text)
    return lambda: load_scenario(folder)


def _record_file(tmp_path: Path, text: str) -> Callable[[], object]:
    return lambda: load_record(write(tmp_path / "historical.yaml", text))


def _presets_file(tmp_path: Path, text: str) -> Callable[[], object]:
    folder = tmp_path / "toy"
    write(folder / "scenario.yaml", TOY.read_text(encoding="utf-8"))
    write(folder / "presets" / "presets.yaml", text)
    return lambda: load_presets(folder)


READERS = {
    "scenario": (_scenario_file, ScenarioError),
    "record": (_record_file, RecordError),
    "presets": (_presets_file, InterventionError),
}


@pytest.mark.parametrize("kind", sorted(READERS))
def test_alias_bomb_is_refused_at_once_in_every_kind_of_file(kind: str, tmp_path: Path) -> None:
    """Nine lines of nested aliases (gigabytes once expanded) are refused in under a
    second, in a scenario, a record or a presets file alike, naming file and line."""
    make, error = READERS[kind]
    load = make(tmp_path, BOMB)
    start = time.perf_counter()
    with within(10), pytest.raises(error, match=r"\.yaml:\d+: holds more than .* aliases"):
        load()
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("a: &r [*r]\n", r"zz\.yaml:1: alias \*r is inside the node it names", id="cycle"),
        pytest.param("a: &r {b: [1, {c: *r}]}\n", r"zz\.yaml:1: alias \*r is inside", id="deep-cycle"),
        pytest.param("a: " + "[" * 990 + "]" * 990 + "\n", f"nested more than {MAX_DEPTH}", id="deep"),
        pytest.param("a: " + "{b: " * 990 + "1" + "}" * 990 + "\n", "nested more than", id="deep-map"),
        pytest.param("a: &x 1\nb: *y\n", r"zz\.yaml:2: YAML syntax error: found undefined alias", id="undefined"),
        pytest.param("a: 2023-02-30\n", r"zz\.yaml:1: YAML syntax error: cannot read '2023-02-30' as timestamp", id="date"),
        pytest.param("a: " + "9" * 5000 + "\n", r"zz\.yaml:1: YAML syntax error: cannot read '9999", id="huge-int"),
        pytest.param("a: !!binary zz\n", r"zz\.yaml:1: YAML syntax error: failed to decode base64", id="binary"),
        pytest.param("a: 1\nb: \x07\n", r"zz\.yaml:2: YAML syntax error: .*#x0007", id="control"),
        pytest.param("a: 1\n---\nb: 2\n", r"zz\.yaml:\d+: YAML syntax error: expected a single document in the stream, but found another document", id="two-docs"),
    ],
)  # fmt: skip
def test_malformed_yaml_is_one_located_line(text: str, message: str, tmp_path: Path) -> None:
    """Cycles, deep nesting, undefined aliases and values PyYAML cannot build are each
    one line naming file and line, never a RecursionError or ValueError."""
    error = refused(_folder_with(tmp_path, text), message)
    assert all("\n" not in problem for problem in error.problems)


def _folder_with(tmp_path: Path, extra: str | bytes, name: str = "zz.yaml") -> Path:
    folder = tmp_path / "toy"
    write(folder / "scenario.yaml", TOY.read_text(encoding="utf-8"))
    write(folder / name, extra)
    return folder


def test_file_that_is_not_utf8_names_line_and_byte(tmp_path: Path) -> None:
    """A file in another encoding is refused with the line and byte, not a UnicodeDecodeError."""
    folder = _folder_with(tmp_path, "a: 1\nb: 2\nc: caf\xe9\n".encode("latin-1"))
    refused(
        folder, r"zz\.yaml:3: is not UTF-8 text \(byte 0xe9 at column 7\); save the file as UTF-8"
    )


def test_folder_named_like_a_yaml_file_is_refused(tmp_path: Path) -> None:
    """A folder called ``zz.yaml`` in a scenario folder is named as a folder, not an IsADirectoryError."""
    folder = _folder_with(tmp_path, "")
    (folder / "zz.yaml").unlink()
    (folder / "zz.yaml").mkdir()
    refused(folder, r"zz\.yaml: is a folder, not a regular file")


def test_symlink_loop_is_refused(tmp_path: Path) -> None:
    """A link to itself is refused, not an OSError."""
    folder = _folder_with(tmp_path, "")
    (folder / "zz.yaml").unlink()
    (folder / "zz.yaml").symlink_to("zz.yaml")
    refused(folder, r"zz\.yaml: cannot be read \(Too many levels of symbolic links\)")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_named_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    """A named pipe called ``zz.yaml`` is refused at once; reading it would block forever."""
    folder = _folder_with(tmp_path, "")
    (folder / "zz.yaml").unlink()
    os.mkfifo(folder / "zz.yaml")
    refused(folder, r"zz\.yaml: is a named pipe, not a regular file")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_link_to_an_endless_device_is_refused(tmp_path: Path) -> None:
    """A link to /dev/zero is refused at once; reading it would never end."""
    folder = _folder_with(tmp_path, "")
    (folder / "zz.yaml").unlink()
    (folder / "zz.yaml").symlink_to("/dev/zero")
    refused(folder, r"zz\.yaml: is a device, not a regular file")


def test_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    """A file over the size cap is refused with its size and the cap."""
    folder = _folder_with(tmp_path, "# " + "x" * MAX_FILE_BYTES + "\n")
    refused(folder, rf"zz\.yaml: is [\d,]+ bytes, more than the {MAX_FILE_BYTES:,} allowed")


def test_read_text_reads_no_more_than_the_cap(tmp_path: Path) -> None:
    """The cap is a parameter: a file one byte over it is refused, one at it is read."""
    path = write(tmp_path / "a.txt", "abcd")
    assert read_text(path, 4) == "abcd"
    with pytest.raises(ScenarioError, match="more than the 3 allowed"):
        read_text(path, 3)


def test_many_files_together_stay_under_the_value_cap(tmp_path: Path) -> None:
    """A folder's files together may hold no more values than one file may."""
    folder = _folder_with(tmp_path, "")
    per_file = MAX_NODES // 3
    for k in range(4):
        write(folder / f"x{k}.yaml", f"k{k}: [" + "1, " * per_file + "1]\n")
    refused(folder, f"its files hold more than {MAX_NODES:,} values in all")


def test_nesting_the_bundled_scenarios_need_is_accepted(tmp_path: Path) -> None:
    """The depth limit leaves room: a key nested twenty deep is still only unknown."""
    folder = _folder_with(tmp_path, "a: " + "[" * 20 + "]" * 20 + "\n")
    refused(folder, r"zz\.yaml:1: a: Extra inputs are not permitted")


def test_source_text_in_another_encoding_is_a_quote_problem(tmp_path: Path) -> None:
    """A cited source file that is not UTF-8 is reported as a problem of its citation,
    not raised as a UnicodeDecodeError."""
    write(tmp_path / "doc.txt", "caf\xe9\n".encode("latin-1"))
    source = Source(id="D", title="t", language="en", file="doc.txt")
    problems = quote_problems([("here", Citation.model_validate("D:1"))], [source], tmp_path)
    assert len(problems) == 1
    assert re.fullmatch(r"here: D:1: .*doc\.txt:1: is not UTF-8 text \(byte 0xe9.*", problems[0])


# ---- duplicate keys ----------------------------------------------------------------------


def test_duplicate_key_is_refused_with_both_lines(toy: str, tmp_path: Path) -> None:
    """A key given twice in one mapping is refused with both lines (YAML keeps the last)."""
    text = edit(toy, "    name: Alpha\n", "    name: Alpha\n    name: Omega\n")
    path = write(tmp_path / "toy.yaml", text)
    first = text.splitlines().index("    name: Alpha") + 1
    refused(path, rf"toy\.yaml:{first + 1}: duplicate key 'name' \(first at line {first}\)")


def test_duplicate_key_in_a_flow_mapping_is_refused(toy: str, tmp_path: Path) -> None:
    """A key given twice on one line (a flow mapping) is refused too."""
    text = edit(toy, "seats: 500,", "seats: 500, seats: 5,")
    refused(write(tmp_path / "toy.yaml", text), r"duplicate key 'seats'")


def test_merge_keys_may_be_overridden(toy: str, tmp_path: Path) -> None:
    """A key that overrides one merged in with ``<<`` is not a duplicate."""
    text = edit(toy, "  - {id: beta, name: Beta,", "  - {<<: *a, id: beta, name: Beta,")
    scenario = load_scenario(write(tmp_path / "toy.yaml", text))
    assert scenario.actors[1].name == "Beta"


# ---- numbers that would crash the engine or make it lie --------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param("secretaries: {count: 60,", f"secretaries: {{count: {2**31},", r"party\.secretaries\.count: Input should be less than or equal to 10000", id="secretaries"),
        pytest.param("central_committee: {count: 30,", f"central_committee: {{count: {2**63},", r"party\.central_committee\.count: Input should be less than or equal", id="cc-count"),
        pytest.param("cc_seats: 40, cite: \"T1:1\"}\n  - {id: plenum_1953", f"cc_seats: {2**63}, cite: \"T1:1\"}}\n  - {{id: plenum_1953", r"calendar\[1\]\.cc_seats: Input should be less than", id="cc-seats"),
        pytest.param("members: 100,", "members: .inf,", r"party\.cohorts\[0\]\.members: Input should be a finite number", id="members-inf"),
        pytest.param("members: 100,", "members: .nan,", r"party\.cohorts\[0\]\.members: Input should be a finite number", id="members-nan"),
        pytest.param("body: cc}, cite: \"T1:1\"}\n      - {id: wait", "body: cc}, utility: {bias: 1.0}, cite: \"T1:1\"}\n      - {id: wait", r"options\[0\]: Value error, an option may not carry its own 'utility' weights", id="option-weights"),
        pytest.param("body: cc}", f"body: cc, pact_months: {2**63}}}", r"effects\.pact_months: Input should be less than or equal to 600", id="pact"),
        pytest.param("seats: 500,", f"seats: {2**63},", r"bodies\[0\]\.seats: Input should be less than or equal to 100000", id="seats"),
        pytest.param("end: 1955-12", "end: 9999-12", r"scenario\.end: the scenario runs 96,600 months \(1950-01 to 9999-12\), more than the 600", id="horizon"),
        pytest.param("kind: plenum, name: CC plenum, cite: \"T1:1\"}\n  - {id: congress_1952", "kind: plenum, name: CC plenum, prestige: {alpha: .nan}, cite: \"T1:1\"}\n  - {id: congress_1952", r"calendar\[0\]\.prestige\.alpha: Input should be a finite number", id="event-prestige-nan"),
        pytest.param("patronage: 1.0,", "patronage: .nan,", r"offices\[0\]\.patronage: Input should be a finite number", id="unit-nan"),
    ],
)  # fmt: skip
def test_numbers_out_of_sane_bounds_are_refused(
    old: str, new: str, message: str, toy: str, tmp_path: Path
) -> None:
    """Infinite or not-a-number floats, integers the engine would overflow or allocate
    gigabytes for, and a horizon of thousands of months are refused where they are."""
    text = edit(toy, old, new)
    needle = new.split("\n")[0]
    line = next(i for i, x in enumerate(text.splitlines(), start=1) if needle in x)
    refused(write(tmp_path / "toy.yaml", text), rf"toy\.yaml:{line}: .*{message}")


# ---- parts that disagree ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param("{id: challenge,", "{id: wait,", r"decisions\[0\]\.options\[1\]\.id: duplicate option id 'wait'", id="option-id"),
        pytest.param("  - {id: T1, title: Toy source, language: en, file: toy.txt}\n", "  - {id: T1, title: Toy source, language: en, file: toy.txt}\n  - {id: T1, title: Another, language: en, file: other.txt}\n", r"sources\[1\]\.id: duplicate source id 'T1'", id="source-id"),
        pytest.param("executive: presidium}", "executive: congress}", r"roles\.executive: 'congress' is a body of role 'congress', so it cannot be the executive", id="role"),
        pytest.param("members: [alpha, beta, gamma, delta]", "members: []", r"bodies\[2\]\.members: the executive 'presidium' has no members", id="empty-executive"),
        pytest.param("    historical: wait\n", "    historical: wait\n    requires: {min_sanction: expelled, max_sanction: censured}\n", r"decisions\[0\]\.requires\.min_sanction: min_sanction 'expelled' \(rank 5\) is heavier than max_sanction 'censured' \(rank 1\)", id="sanction-bounds"),
        pytest.param("{id: army, name: Army,", "{id: army, deputy_of: army, name: Army,", r"offices\[1\]\.deputy_of: office 'army' cannot name itself", id="self-deputy"),
        pytest.param("{id: army, name: Army,", "{id: army, deputy_of: first_secretary, name: Army,", None, id="one-deputy-is-fine"),
    ],
)  # fmt: skip
def test_parts_that_disagree_are_refused(
    old: str, new: str, message: str | None, toy: str, tmp_path: Path
) -> None:
    """Duplicate ids, a role on a body of another kind, an empty executive, sanction
    bounds the wrong way round and an office that deputises for itself are refused."""
    path = write(tmp_path / "toy.yaml", edit(toy, old, new))
    if message is None:
        load_scenario(path)
    else:
        refused(path, rf"toy\.yaml:\d+: {message}")


def test_two_deputies_for_one_office_are_refused(toy: str, tmp_path: Path) -> None:
    """An office has at most one deputy (the engine would silently keep the last)."""
    extra = '  - {id: navy, name: Navy, deputy_of: first_secretary, cite: "T1:1"}\n'
    text = edit(toy, "{id: army, name: Army,", "{id: army, deputy_of: first_secretary, name: Army,")
    text = edit(text, "party:\n", extra + "party:\n")
    refused(
        write(tmp_path / "toy.yaml", text),
        r"offices\[2\]\.deputy_of: 'first_secretary' already has the deputy 'army'",
    )


def test_succession_cycle_is_refused(toy: str, tmp_path: Path) -> None:
    """Two offices each held ex officio with the other come back to themselves."""
    text = edit(
        toy, "{id: army, name: Army,", "{id: army, ex_officio: first_secretary, name: Army,"
    )
    text = edit(
        text, "{id: first_secretary, name:", "{id: first_secretary, ex_officio: army, name:"
    )
    refused(
        write(tmp_path / "toy.yaml", text),
        r"offices\[0\]\.ex_officio: the ex_officio chain first_secretary -> army -> first_secretary comes back to itself",
    )


# ---- the command line --------------------------------------------------------------------

BREAKAGES = {
    "bomb": "aliases are expanded",
    "cycle": "is inside the node it names",
    "latin-1": "is not UTF-8 text",
    "folder": "is a folder",
    "link-loop": "Too many levels of symbolic links",
    "fifo": "is a named pipe",
    "zero": "is a device",
    "duplicate": "duplicate key 'a'",
}


def _break(zz: Path, breakage: str) -> None:
    """Put a broken file of the named kind at ``zz``."""
    if breakage == "bomb":
        write(zz, BOMB)
    elif breakage == "cycle":
        write(zz, "a: &r [*r]\n")
    elif breakage == "latin-1":
        write(zz, "a: café\n".encode("latin-1"))
    elif breakage == "folder":
        zz.mkdir()
    elif breakage == "link-loop":
        zz.symlink_to(zz.name)
    elif breakage == "fifo":
        os.mkfifo(zz)
    elif breakage == "zero":
        zz.symlink_to("/dev/zero")
    else:
        write(zz, "a: 1\na: 2\n")


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_scenario_check_never_prints_a_traceback(breakage: str, tmp_path: Path) -> None:
    """`apparat scenario check` reports each kind of broken file as a failed check (exit 1,
    a ✗ line and the located problem), never as a Python traceback."""
    folder = _folder_with(tmp_path, "")
    (folder / "zz.yaml").unlink()
    _break(folder / "zz.yaml", breakage)
    with within(20):
        result = CliRunner().invoke(app, ["scenario", "check", str(folder)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert re.search(r"✗ .*: 1 problem\(s\)\n  - .*zz\.yaml", result.output), result.output
    assert BREAKAGES[breakage] in result.output
