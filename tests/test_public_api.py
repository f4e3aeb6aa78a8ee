"""The public surface of ``apparat`` is small, explicit and pinned."""

from __future__ import annotations

import importlib.metadata
import inspect

import pytest

import apparat
import apparat.errors

EXPORTED = [
    "ApparatError",
    "BackendError",
    "EconomyError",
    "Experiment",
    "InterventionError",
    "MissingDependencyError",
    "RecordError",
    "ScenarioError",
    "SimulationError",
    "StoreError",
    "__version__",
    "load_scenario",
    "open_store",
    "simulate",
]


def test_all_is_pinned() -> None:
    """apparat.__all__ is exactly the pinned list; changing it is a deliberate act."""
    assert apparat.__all__ == EXPORTED


def test_all_is_sorted() -> None:
    """apparat.__all__ is kept in sorted order."""
    assert apparat.__all__ == sorted(apparat.__all__)


def test_all_names_every_public_attribute() -> None:
    """Every public non-module name in the apparat namespace (eager, or loaded lazily on
    first use) is listed in __all__."""
    public = {
        name
        for name, value in vars(apparat).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    lazy = set(apparat._LAZY)
    assert public | lazy | {"__version__"} == set(apparat.__all__)


@pytest.mark.parametrize("name", EXPORTED)
def test_each_exported_name_is_importable(name: str) -> None:
    """Each exported name can be imported from apparat."""
    namespace: dict[str, object] = {}
    exec(f"from apparat import {name}", namespace)
    assert namespace[name] is getattr(apparat, name)


def test_star_import_gives_exactly_the_exported_names() -> None:
    """``from apparat import *`` binds exactly the exported names."""
    namespace: dict[str, object] = {}
    exec("from apparat import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(EXPORTED)


def test_version_is_the_installed_distribution_version() -> None:
    """apparat.__version__ agrees with the installed package metadata."""
    assert apparat.__version__ == importlib.metadata.version("apparat")


def test_exported_errors_subclass_apparat_error() -> None:
    """Every exported error class is an ApparatError, and ApparatError is an Exception."""
    errors = [getattr(apparat, n) for n in EXPORTED if n.endswith("Error")]
    assert issubclass(apparat.ApparatError, Exception)
    assert all(issubclass(e, apparat.ApparatError) for e in errors)


def test_every_error_in_the_error_module_is_exported_under_apparat_error() -> None:
    """Each exception class defined in apparat.errors subclasses ApparatError and is exported."""
    defined = [
        value
        for value in vars(apparat.errors).values()
        if isinstance(value, type)
        and issubclass(value, BaseException)
        and value.__module__ == "apparat.errors"
    ]
    assert defined, "apparat.errors defines no exceptions"
    for error in defined:
        assert issubclass(error, apparat.ApparatError), error
        assert error.__name__ in apparat.__all__, error
        assert getattr(apparat, error.__name__) is error
