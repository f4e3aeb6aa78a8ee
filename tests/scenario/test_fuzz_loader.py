"""Mutation fuzzing of the loader: whatever is done to a bundled scenario's files, loading
it (and its record and presets) either works or raises apparat's own error, within
seconds and without exhausting memory; a scenario that loads compiles, and runs a short
run with finite numbers.

A few dozen derandomised examples run in the suite; for a longer hunt, with fresh random
examples each time::

    APPARAT_FUZZ_EXAMPLES=10000 python -m pytest -q tests/scenario/test_fuzz_loader.py \\
        -p no:cacheprovider --hypothesis-show-statistics
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apparat.engine import compile_scenario, simulate
from apparat.errors import ApparatError, RecordError, ScenarioError
from apparat.experiments.presets import load_presets
from apparat.scenario import bundled_scenarios, load_scenario
from apparat.scenario.loader import bundled_root
from apparat.scenario.record import load_record

EXAMPLES = int(os.environ.get("APPARAT_FUZZ_EXAMPLES", "80"))
ON_DEMAND = "APPARAT_FUZZ_EXAMPLES" in os.environ
SECONDS = float(os.environ.get("APPARAT_FUZZ_SECONDS", "10"))  # longer is a hang
MEMORY = 2 << 30  # bytes an example may add to the process before it counts as a bomb

# every YAML file of each bundled scenario (its record and presets too), as bytes
FILES: dict[str, dict[str, bytes]] = {
    name: {
        str(p.relative_to(bundled_root() / name)): p.read_bytes()
        for p in sorted((bundled_root() / name).rglob("*.yaml"))
    }
    for name in bundled_scenarios()
}
PAIR = re.compile(r"([A-Za-z_]\w*): (?=\S)([^\n,{}\[\]#]+)")  # a key and its plain value

EXTREMES = [
    *["0", "-1", "1", "2", "0.5", "-0.0", "1e308", "-1e308", "1e999", ".inf", "-.inf", ".nan"],
    *[str(2**31), str(2**63), str(2**64), f"-{2**63}", "9" * 400, "9" * 5000, "0x7fffffff"],
    *["~", "null", "''", "true", "no", "[]", "{}", "[1, 2]", "{a: 1}", "[[[[[[]]]]]]"],
    *["9999-12", "0000-01", "1923-13", "2023-02-30", "1900-01-01", "99999-01", "1923-01-01"],
    *["x", "'" + "x" * 5000 + "'", "unknown_id", "lenin", "stalin", "hua_guofeng", "politburo"],
    *["congress", "none", "censure", "S1:1", "'S1:99999999999999999999'", "'S1 pp. 5-3'"],
    *["!!binary zz", "!!python/object:os.system ls", "!!float abc", "!!int 0x", "!!set {a}"],
    *["!!timestamp x", "*nothing", "&fz 1", "&fzr [*fzr]", "'\\u0000'", '"\\uD800"', "\t1"],
]
NUMBER = re.compile(r"-?\d+(\.\d*)?")
NUMBERS = [".inf", "-.inf", ".nan", "1e308", "-0.0", "0", "-1", str(2**31), str(2**63), "9" * 60]
BAD_BYTES = [b"\xff", b"\xc3", b"\x00", b"\x1b", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\r"]


pytestmark = pytest.mark.skipif(
    not hasattr(signal, "setitimer"), reason="the per-example timer needs POSIX signals"
)


class Hang(Exception):
    """An example ran past its time."""


@contextlib.contextmanager
def bounded(seconds: float, memory: int) -> Iterator[None]:
    """Raise Hang after ``seconds`` (and fail even if the code under test swallowed it);
    let the process grow by at most ``memory`` bytes (a MemoryError then, not a machine
    brought down by an alias bomb)."""
    fired = []

    def alarm(signum: int, frame: object) -> None:
        fired.append(signum)
        raise Hang(f"an example ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    limits = _limit_memory(memory)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if limits is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, limits)
    if fired:
        raise Hang(f"an example ran past {seconds} s (and the error was caught)")


def _limit_memory(extra: int) -> tuple[int, int] | None:
    """Cap the address space at its present size plus ``extra`` (Linux); the old limits."""
    try:
        import resource

        size = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        return None
    old = resource.getrlimit(resource.RLIMIT_AS)
    cap = min([size + extra, *(x for x in old if x != resource.RLIM_INFINITY)])
    resource.setrlimit(resource.RLIMIT_AS, (cap, old[1]))
    return old


# ---- mutations: each takes a file's text and Hypothesis's data, returns the new text ----

Draw = st.DataObject


def _pairs(text: str) -> list[re.Match[str]]:
    return list(PAIR.finditer(text))


def _pick(pairs: list[re.Match[str]], data: Draw) -> re.Match[str]:
    """A key name first, then one of its occurrences: a rare key (``members``,
    ``pact_months``) is as likely to be hit as ``cite``."""
    keys = sorted({p.group(1) for p in pairs})
    key = data.draw(st.sampled_from(keys))
    same = [p for p in pairs if p.group(1) == key]
    return same[data.draw(st.integers(0, len(same) - 1))]


def _at(text: str, span: tuple[int, int], new: str) -> str:
    return text[: span[0]] + new + text[span[1] :]


def replace_value(text: str, data: Draw) -> str:
    """A plain value becomes an extreme number, a string, null, a tag, an alias..."""
    pairs = _pairs(text)
    if not pairs:
        return text
    pair = _pick(pairs, data)
    new = data.draw(
        st.one_of(
            st.sampled_from(EXTREMES),
            st.integers(-(2**70), 2**70).map(str),
            st.floats().map(lambda x: repr(x).replace("inf", ".inf").replace("nan", ".nan")),
            st.text(max_size=12).map(lambda s: '"' + s.encode("unicode_escape").decode() + '"'),
        )
    )
    return _at(text, pair.span(2), str(new))


def replace_number(text: str, data: Draw) -> str:
    """A number becomes another, extreme or not: what passes the schema must not crash
    the engine or make it lie."""
    pairs = [p for p in _pairs(text) if NUMBER.fullmatch(p.group(2).strip())]
    if not pairs:
        return text
    pair = _pick(pairs, data)
    new = data.draw(
        st.one_of(
            st.sampled_from(NUMBERS),
            st.integers(-(2**64), 2**64),
            st.floats(-1e6, 1e6),
            st.sampled_from([0, 1, 2, 3, 12, 100, 1000, 10_000, 100_000]),
        )
    )
    return _at(text, pair.span(2), str(new))


def copy_value(text: str, data: Draw) -> str:
    """A value is copied from another key of the same name (duplicate ids, moved refs)."""
    pairs = _pairs(text)
    if len(pairs) < 2:
        return text
    target = _pick(pairs, data)
    same = [p for p in pairs if p.group(1) == target.group(1)]
    source = same[data.draw(st.integers(0, len(same) - 1))]
    return _at(text, target.span(2), source.group(2))


def _line_op(name: str, op: Callable[[list[str], int], list[str]]) -> Callable[[str, Draw], str]:
    """A mutation that edits the lines around one line the data picks."""

    def mutate(text: str, data: Draw) -> str:
        lines = text.split("\n")
        return "\n".join(op(lines, data.draw(st.integers(0, len(lines) - 1))))

    mutate.__name__ = name
    return mutate


delete_line = _line_op("delete_line", lambda lines, i: lines[:i] + lines[i + 1 :])
duplicate_line = _line_op("duplicate_line", lambda lines, i: lines[: i + 1] + lines[i:])
tab_indent = _line_op(
    "tab_indent", lambda lines, i: [*lines[:i], "\t" + lines[i].lstrip(" "), *lines[i + 1 :]]
)


def alias_bomb(text: str, data: Draw) -> str:
    """A value becomes ``levels`` nested lists of nine aliases each (9**levels values)."""
    levels = data.draw(st.integers(1, 9))
    parts = ["&fz0 [x, x, x, x, x, x, x, x, x]"]
    parts += [f"&fz{k} [" + ", ".join([f"*fz{k - 1}"] * 9) + "]" for k in range(1, levels)]
    pairs = _pairs(text)
    if not pairs:
        return text + "\nfz: [" + ", ".join(parts) + "]\n"
    pair = _pick(pairs, data)
    return _at(text, pair.span(2), "[" + ", ".join(parts) + "]")


def deep_nesting(text: str, data: Draw) -> str:
    """A value becomes lists or mappings nested up to 3,000 deep."""
    depth = data.draw(st.integers(1, 3000))
    flow = (
        "[" * depth + "]" * depth
        if data.draw(st.booleans())
        else "{a: " * depth + "1" + "}" * depth
    )
    pairs = _pairs(text)
    if not pairs:
        return text + "\nfz: " + flow + "\n"
    pair = _pick(pairs, data)
    return _at(text, pair.span(2), str(flow))


def truncate(text: str, data: Draw) -> str:
    return text[: data.draw(st.integers(0, len(text)))]


TEXT_MUTATIONS = [
    replace_value,
    replace_value,
    replace_number,
    replace_number,
    copy_value,
    delete_line,
    duplicate_line,
    tab_indent,
    alias_bomb,
    deep_nesting,
    truncate,
]


def write_mutated(folder: Path, name: str, data: Draw) -> list[str]:
    """Copy scenario ``name`` into ``folder`` with one to four mutations; what was done."""
    files = dict(FILES[name])
    special: dict[str, str] = {}  # files replaced by something that is not a text file
    done = []
    for _ in range(data.draw(st.integers(1, 4))):
        file = data.draw(st.sampled_from(sorted(files)))
        kind = data.draw(st.integers(0, 19))
        if kind == 0:  # invalid bytes somewhere (perhaps mid-character)
            raw = files[file]
            at = data.draw(st.integers(0, len(raw)))
            files[file] = raw[:at] + data.draw(st.sampled_from(BAD_BYTES)) + raw[at:]
            done.append(f"bad bytes at {at} in {file}")
        elif kind == 1:
            special[file] = data.draw(st.sampled_from(SPECIALS))
            done.append(f"{file} is {special[file]}")
        else:
            mutation = data.draw(st.sampled_from(TEXT_MUTATIONS))
            text = files[file].decode("utf-8", errors="replace")
            files[file] = mutation(text, data).encode("utf-8", errors="surrogatepass")
            done.append(f"{mutation.__name__} in {file}")
    for rel, raw in files.items():
        _write(folder / rel, raw, special.get(rel))
    return done


SPECIALS = ["folder", "fifo", "loop", "zero", "empty", "huge"]


def _write(path: Path, raw: bytes, special: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if special == "folder":
        path.mkdir()
    elif special == "fifo":
        os.mkfifo(path)
    elif special == "loop":
        path.symlink_to(path.name)
    elif special == "zero":
        path.symlink_to("/dev/zero")
    elif special == "huge":
        path.write_bytes(b"# " + b"x" * (2 << 20) + b"\n")
    else:
        path.write_bytes(b"" if special == "empty" else raw)


# ---- the property ----------------------------------------------------------------------

COUNTER = itertools.count()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def exercise(folder: Path, run: bool) -> None:
    """Load, compile and (if ``run``) briefly run a scenario, then its record and
    presets; only apparat's own errors may escape, and a run's numbers must be finite."""
    try:
        scenario = load_scenario(folder)
    except ScenarioError:
        event("scenario refused")
    else:
        event("scenario loaded")
        compiled = compile_scenario(scenario)
        if run:
            until = compiled.label(min(compiled.months - 1, 18))
            result = simulate(compiled, 1, 0, until, chronicle=True)
            for name in ("power", "prestige", "line"):
                values = getattr(result.history, name)
                assert np.isfinite(values).all(), f"{name} is not finite: {values}"
            event("simulated")
    try:
        load_record(scenario=folder)
    except RecordError:
        event("record refused")
    try:
        load_presets(folder)
    except ApparatError:
        event("presets refused")


@settings(
    max_examples=EXAMPLES,
    deadline=None,  # a per-example timer below; a busy CI machine must not flake
    derandomize=not ON_DEMAND,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_mutated_scenarios_load_or_fail_with_apparat_errors(
    workdir: Path, data: st.DataObject
) -> None:
    """Any mutation of a bundled scenario's files loads, or is refused with apparat's own
    error, within seconds; what loads compiles and runs with finite numbers."""
    name = data.draw(st.sampled_from(sorted(FILES)), label="scenario")
    root = workdir / f"{next(COUNTER)}"
    try:
        done = write_mutated(root / name, name, data)
        data.draw(st.just(done), label="mutations")
        run = data.draw(st.integers(0, 3), label="run") == 0
        with bounded(SECONDS, MEMORY):
            exercise(root / name, run)
    finally:
        shutil.rmtree(root, ignore_errors=True)
