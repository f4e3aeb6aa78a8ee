"""Load a scenario from YAML (safe loading) and report every problem with file, key path and line.

A scenario is one YAML file or a folder of them; a folder's top-level files are merged,
each holding some of the top-level keys. Sub-folders (such as ``record/``) are not part
of the scenario.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from apparat.errors import ScenarioError
from apparat.scenario.models import Scenario
from apparat.scenario.reading import MAX_NODES, LineIndex, Loc, read_yaml
from apparat.scenario.references import check_references

__all__ = [
    "LineIndex",
    "Loc",
    "bundled_root",
    "bundled_scenarios",
    "load_scenario",
    "locate",
    "read_documents",
    "read_yaml",
    "resolve_path",
]


def bundled_root() -> Path:
    return Path(str(resources.files("apparat.scenarios")))


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped with apparat."""
    return sorted(p.name for p in bundled_root().iterdir() if p.is_dir() and any(p.glob("*.yaml")))


def _exists(path: Path) -> bool:
    """Whether anything is at ``path``; a name too long or holding a NUL byte is not."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def resolve_path(name_or_path: str | Path) -> Path:
    """A bundled scenario's name, or a path to a YAML file or a folder of them."""
    path = Path(name_or_path)
    if _exists(path):
        return path
    bundled = bundled_root() / str(name_or_path)
    if isinstance(name_or_path, str) and _exists(bundled) and bundled.is_dir():
        return bundled
    raise ScenarioError(
        [
            f"no scenario file or folder at '{name_or_path}' and no bundled scenario of that name "
            f"(bundled: {', '.join(bundled_scenarios()) or 'none'})"
        ],
        source=str(name_or_path),
    )


def read_documents(path: Path) -> tuple[dict[str, Any], LineIndex]:
    """Merge the top-level mappings of a file or a folder of files; no key may repeat.

    The files together may hold at most ``MAX_NODES`` values, as one file may: a folder
    of many large files must not exhaust memory in validation either."""
    files = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml")) if path.is_dir() else [path]
    if not files:
        raise ScenarioError([f"{path}: folder holds no .yaml files"], source=str(path))
    merged: dict[str, Any] = {}
    index: LineIndex = {}
    problems: list[str] = []
    for file in files:
        try:
            data = read_yaml(file, index)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        if len(index) > MAX_NODES:
            problems.append(f"{path}: its files hold more than {MAX_NODES:,} values in all")
            break
        if data is None:
            continue
        if not isinstance(data, dict):
            what = "a list" if isinstance(data, list) else "a single value"
            problems.append(f"{file}:1: the top level must be a mapping of keys, not {what}")
            continue
        for key in sorted(set(data) & set(merged), key=str):
            problems.append(f"{file}: top-level key '{key}' is also set in another file")
        merged.update(data)
    if problems:
        raise ScenarioError(problems, source=str(path))
    return merged, index


def locate(index: LineIndex, loc: Loc, default: str) -> str:
    """The file:line of the deepest part of ``loc`` that the YAML has."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in index:
            file, line = index[loc[:end]]
            return f"{file}:{line}"
    return default


def _dotted(loc: Loc) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def load_scenario(name_or_path: str | Path = "bolshevik_1923") -> Scenario:
    """Load and validate a scenario; every problem is reported at once, with its location."""
    path = resolve_path(name_or_path)
    data, index = read_documents(path)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not str(p).startswith("function-"))
            where = locate(index, loc, str(path))
            problems.append(f"{where}: {_dotted(loc) or '(top)'}: {err['msg']}")
        raise ScenarioError(problems, source=str(path)) from None
    problems = [
        f"{locate(index, loc, str(path))}: {_dotted(loc)}: {msg}"
        for loc, msg in check_references(scenario)
    ]
    if problems:
        raise ScenarioError(problems, source=str(path))
    return scenario
