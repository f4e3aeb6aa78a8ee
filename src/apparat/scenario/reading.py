"""Read one YAML file of a scenario, its record or its presets, so that no file can hang
the reader, exhaust memory or raise anything but a located :class:`ScenarioError`.

A scenario is data from anywhere, so the reader trusts nothing about it: only a regular
file is opened (a named pipe would block, a link to ``/dev/zero`` never ends), at most
``MAX_FILE_BYTES`` are read, the text must be UTF-8, and the YAML's shape is checked on
the event stream before any node tree is built: nesting at most ``MAX_DEPTH`` deep, no
alias inside the node it names (a cycle), and at most ``MAX_NODES`` nodes once every
alias is expanded (nine lines of ``&a [*b, *b, ...]`` otherwise expand to gigabytes in
the line index and in validation). A key that occurs twice in one mapping is refused,
where YAML would silently keep the last.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from apparat.errors import ScenarioError

MAX_FILE_BYTES = 1 << 20  # the largest bundled file is under 64 KiB
MAX_DEPTH = 40  # the bundled scenarios nest about ten levels deep
MAX_NODES = 100_000  # values in one file, every alias expanded; bundled: at most 2,300

Loc = tuple[str | int, ...]
LineIndex = dict[Loc, tuple[str, int]]
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present, same rules
_MERGE = "tag:yaml.org,2002:merge"


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader, but a value PyYAML cannot build (an int of 5,000 digits, the
    date 2023-02-30) is a located YAML error rather than a bare ValueError."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # whatever a constructor lets escape is the value's fault
            what = node.value if isinstance(node, yaml.ScalarNode) else node.tag
            problem = f"cannot read {_short(what)} as {node.tag.rsplit(':', 1)[-1]}: {exc}"
            raise ConstructorError(None, None, problem, node.start_mark) from None


def _short(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fail(path: Path, problem: str, line: int | None = None) -> ScenarioError:
    where = f"{path}:{line}" if line is not None else str(path)
    return ScenarioError([f"{where}: {problem}"], source=str(path))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes``; anything else is a
    ScenarioError that says what the path is instead."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)  # non-blocking: opening a named pipe must not wait
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _fail(path, f"cannot be read ({reason})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _fail(path, f"is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > max_bytes:
            raise _fail(path, f"is {info.st_size:,} bytes, more than the {max_bytes:,} allowed")
        chunks, left = [], max_bytes + 1  # read no more than allowed: the file may grow
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 16))):
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > max_bytes:
        raise _fail(path, f"is more than the {max_bytes:,} bytes allowed")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(
            path,
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {column}); "
            "save the file as UTF-8",
            line,
        ) from None


def _check_shape(text: str, path: Path) -> None:
    """Walk the events once, before any node is built: refuse deep nesting, an alias
    inside the node it names, and aliases that expand past ``MAX_NODES`` nodes."""
    sizes: dict[str, int] = {}  # anchor -> nodes it stands for, once closed
    stack: list[str | None] = []  # the anchors of the open collections
    starts: list[int] = []  # the node count when each opened
    total = 0  # nodes so far, every alias expanded
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                if event.anchor in stack:
                    raise _fail(path, f"alias *{event.anchor} is inside the node it names", line)
                total += sizes.get(event.anchor or "", 1)  # undefined: the composer says so
            elif isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    raise _fail(path, f"nested more than {MAX_DEPTH} levels deep", line)
                stack.append(event.anchor)
                starts.append(total)
            elif isinstance(event, yaml.CollectionEndEvent):
                total += 1
                anchor = stack.pop()
                start = starts.pop()
                if anchor is not None:
                    sizes[anchor] = total - start
            elif isinstance(event, yaml.ScalarEvent):
                total += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            if total > MAX_NODES:
                raise _fail(
                    path,
                    f"holds more than {MAX_NODES:,} values once its aliases are expanded "
                    "(an alias bomb?)",
                    line,
                )
    finally:
        loader.dispose()


def _index(root: yaml.Node, file: str, out: LineIndex) -> list[str]:
    """Record the line of every key path (aliases expanded, so at most ``MAX_NODES``)
    and return the keys that occur twice in one mapping."""
    problems: list[str] = []
    checked: set[int] = set()  # mappings checked for duplicates (an alias repeats one)
    todo: list[tuple[yaml.Node, Loc]] = [(root, ())]
    while todo:
        node, loc = todo.pop()
        out[loc] = (file, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue  # a key that is a list or a mapping: the constructor refuses it
                line = key.start_mark.line + 1
                if id(node) not in checked and key.tag != _MERGE:
                    if (key.tag, key.value) in first:
                        problems.append(
                            f"{file}:{line}: duplicate key '{key.value}' (first at line "
                            f"{first[key.tag, key.value]}); YAML would keep only the last"
                        )
                    first.setdefault((key.tag, key.value), line)
                out[(*loc, key.value)] = (file, line)
                todo.append((value, (*loc, key.value)))
            checked.add(id(node))
        elif isinstance(node, yaml.SequenceNode):
            todo.extend((item, (*loc, i)) for i, item in enumerate(node.value))
    return problems


def _yaml_problem(exc: yaml.YAMLError, path: Path, text: str) -> str:
    """One line: file:line, and what PyYAML found wrong."""
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        char = ord(exc.character) if isinstance(exc.character, str) else exc.character
        return f"{path}:{line}: YAML syntax error: {exc.reason} (character #x{char:04x})"
    mark = getattr(exc, "problem_mark", None)
    where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
    problem = str(getattr(exc, "problem", None) or exc)
    context = getattr(exc, "context", None)
    if context and problem.startswith("but "):  # "expected one document, but found another"
        problem = f"{context}, {problem}"
    return f"{where}: YAML syntax error: {' '.join(problem.split())}"


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` through libyaml where it is installed: the same rules, about
    ten times faster, which a single ``apparat run`` notices."""
    return yaml.load(text, Loader=_Base)  # _Base is a SafeLoader (C or Python)


def read_yaml(path: Path, index: LineIndex | None = None) -> Any:
    """Safe-load one file; every way it can fail is a ScenarioError naming file and line.

    ``index``, when given, receives the file and line of every key path."""
    text = read_text(path)
    lines: LineIndex = {} if index is None else index
    try:
        _check_shape(text, path)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            duplicates = _index(node, str(path), lines)
            if duplicates:
                raise ScenarioError(duplicates, source=str(path))
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise ScenarioError([_yaml_problem(exc, path, text)], source=str(path)) from None
