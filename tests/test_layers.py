"""The one-way layer rule of DESIGN.md ("Architecture"), checked on the installed package.

Each layer may import only itself and the layers above it in ``LAYERS``, plus the root
module ``apparat.errors`` (so ``scenario`` imports nothing of apparat but the errors).
``store`` sits above ``experiments``: experiments write their batches to the store, and
the store never depends on how experiments are run (the rule of the shared before-stop
hook). ``apparat.errors`` imports nothing of apparat.
The facade (``apparat/__init__.py``, ``apparat/simulation.py``) may import anything; a
layer may import the facade only if it may import everything the facade imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import apparat

PACKAGE = Path(apparat.__file__).resolve().parent

LAYERS = [
    "scenario",
    "engine",
    "economy",
    "policies",
    "store",
    "experiments",
    "report",
    "api",
    "cli",
]
ROOT = "errors"  # importable from every layer; imports nothing of apparat itself
FACADE = {"__init__", "simulation"}  # may import anything
DATA = "scenarios"  # bundled scenario files; code below `scenario` may refer to it
# Exceptions to the order: results are stored, not produced, so the store must not
# depend on how experiments are run.
FORBIDDEN = {"store": {"experiments"}}


def layer_of(name: str) -> str:
    """The group of a top-level name of apparat: 'engine' for the engine package, 'cli'
    for 'cli' and for a helper module beside it such as 'cli_render'; else the name."""
    prefix = name.split("_")[0]
    return prefix if prefix in LAYERS else name


def module_layer(path: Path) -> str:
    return layer_of(path.relative_to(PACKAGE).parts[0].removesuffix(".py"))


def import_layer(imported: str) -> str:
    """The group of an imported apparat module; the bare package is the facade."""
    parts = imported.split(".")
    return layer_of(parts[1]) if len(parts) > 1 else "__init__"


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def dotted_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def is_module(name: str) -> bool:
    """Whether ``apparat.x.y`` names a module or package of the installed apparat."""
    rel = Path(*name.split(".")[1:]) if "." in name else Path()
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel).is_dir()


def apparat_imports(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, imported module) for every import of apparat in ``source`` of ``module``.

    Relative imports are resolved; ``from apparat.x import y`` counts as ``apparat.x.y``
    when ``y`` is a module; ``importlib.import_module("apparat...")`` counts too.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((node.lineno, sub if is_module(sub) else base))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return [(line, name) for line, name in found if name.split(".")[0] == "apparat"]


def facade_targets() -> set[str]:
    """The groups the facade modules import, other than each other."""
    return {
        import_layer(imported)
        for name in FACADE
        if (PACKAGE / f"{name}.py").is_file()
        for _, imported in apparat_imports(
            (PACKAGE / f"{name}.py").read_text(encoding="utf-8"), f"apparat.{name}"
        )
    } - FACADE


def allowed(layer: str, imported: str) -> bool:
    """Whether code of ``layer`` may import the apparat module ``imported``."""
    target = import_layer(imported)
    if target in FACADE:  # the facade: only where everything it imports is allowed
        return all(allowed(layer, f"apparat.{t}") for t in facade_targets())
    if target == ROOT:
        return True
    if target == DATA:
        return LAYERS.index(layer) > 0
    if target in FORBIDDEN.get(layer, set()):
        return False
    return target in LAYERS and LAYERS.index(target) <= LAYERS.index(layer)


def violations(layer: str) -> list[str]:
    out = []
    for path in modules():
        if module_layer(path) != layer:
            continue
        source = path.read_text(encoding="utf-8")
        found = apparat_imports(source, dotted_name(path), path.name == "__init__.py")
        for line, name in sorted(set(found)):
            if not allowed(layer, name):
                out.append(f"src/apparat/{path.relative_to(PACKAGE)}:{line}: imports {name}")
    return out


PRESENT = sorted({module_layer(p) for p in modules()} & set(LAYERS), key=LAYERS.index)


@pytest.mark.parametrize("layer", PRESENT)
def test_layer_imports_only_layers_above_it(layer: str) -> None:
    """No module of a layer imports a layer below it, directly or through the facade."""
    bad = violations(layer)
    above = [x for x in LAYERS[: LAYERS.index(layer)] if x not in FORBIDDEN.get(layer, set())]
    assert not bad, (
        f"layer '{layer}' may import only apparat.{ROOT} and {above or 'no other layer'}:\n"
        + "\n".join(bad)
    )


def test_errors_module_imports_nothing_of_apparat() -> None:
    """apparat.errors, the root of the error tree, imports nothing of apparat."""
    path = PACKAGE / f"{ROOT}.py"
    bad = apparat_imports(path.read_text(encoding="utf-8"), f"apparat.{ROOT}")
    assert not bad, "\n".join(f"src/apparat/{ROOT}.py:{line}: imports {name}" for line, name in bad)


def test_every_module_belongs_to_a_layer() -> None:
    """Every module of apparat is in a layer, the facade, the error root or the data folder,
    so that no new folder escapes the rule unnoticed."""
    known = {*LAYERS, *FACADE, ROOT, DATA}
    stray = sorted(str(p.relative_to(PACKAGE)) for p in modules() if module_layer(p) not in known)
    assert not stray, f"modules outside every layer (add them to tests/test_layers.py): {stray}"


def test_scenario_layer_is_checked() -> None:
    """The layer check sees the scenario and engine layers (it is not vacuous)."""
    assert {"scenario", "engine"} <= set(PRESENT)


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        pytest.param("import apparat.cli", "apparat.engine.state", ["apparat.cli"], id="import"),
        pytest.param(
            "from apparat.engine import random",
            "apparat.scenario.models",
            ["apparat.engine.random"],
            id="from-module",
        ),
        pytest.param(
            "from apparat.engine import Compiled",
            "apparat.scenario.models",
            ["apparat.engine"],
            id="from-name",
        ),
        pytest.param(
            "from ..policies import forced",
            "apparat.engine.state",
            ["apparat.policies.forced"],
            id="relative",
        ),
        pytest.param(
            "from .random import Streams\nfrom .. import cli",
            "apparat.engine",
            ["apparat.engine.random", "apparat.cli"],
            id="relative-in-package",
        ),
        pytest.param(
            "import importlib\nimportlib.import_module('apparat.report')",
            "apparat.engine.state",
            ["apparat.report"],
            id="import_module",
        ),
        pytest.param("import numpy\nfrom os import path", "apparat.engine.state", [], id="other"),
    ],
)
def test_import_finder_sees_every_kind_of_import(
    source: str, module: str, expected: list[str]
) -> None:
    """The checker finds plain, from-, relative and importlib imports of apparat."""
    is_package = module == "apparat.engine"
    assert [name for _, name in apparat_imports(source, module, is_package)] == expected


@pytest.mark.parametrize(
    ("layer", "imported", "ok"),
    [
        ("scenario", "apparat.errors", True),
        ("scenario", "apparat.scenario.models", True),
        ("scenario", "apparat.engine", False),
        ("scenario", "apparat.scenarios", False),
        ("engine", "apparat.scenario.models", True),
        ("engine", "apparat.experiments.validation", False),
        ("engine", "apparat", False),
        ("engine", "apparat.simulation", False),
        ("cli", "apparat", True),
        ("cli", "apparat.cli_render", True),
        ("store", "apparat.experiments", False),
        ("store", "apparat.policies", True),
        ("cli", "apparat.api", True),
    ],
)
def test_layer_rule_allows_only_upward_imports(layer: str, imported: str, ok: bool) -> None:
    """The rule lets a layer import upward and the error root, never downward."""
    assert allowed(layer, imported) is ok


def test_violations_name_the_file_line_and_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A downward import in a module is reported as its file, line and imported module."""
    fake = tmp_path / "apparat"
    for rel, text in {
        "__init__.py": "",
        "cli.py": "",
        "errors.py": "",
        "engine/__init__.py": "",
        "engine/state.py": "import numpy\nfrom apparat.cli import app\nfrom apparat import errors\n",
    }.items():
        (fake / rel).parent.mkdir(parents=True, exist_ok=True)
        (fake / rel).write_text(text, encoding="utf-8")
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    assert violations("engine") == ["src/apparat/engine/state.py:2: imports apparat.cli"]
