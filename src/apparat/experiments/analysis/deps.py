"""The optional libraries analysis stands on (SALib, EMA Workbench), loaded on demand.

They are an extra (``pip install 'apparat[analysis]'``): a missing one is an
ApparatError with the install line, never an ImportError traceback. EMA Workbench
warns at import about optional parts of its own we do not use (ipyparallel, altair)
and calls pandas in ways pandas 3 deprecates; those warnings, and only those, are
silenced while it runs, so ``filterwarnings = error`` keeps guarding our own code.
"""

from __future__ import annotations

import contextlib
import importlib
import warnings
from collections.abc import Iterator
from types import ModuleType

from apparat.errors import MissingDependencyError

HINT = "pip install 'apparat[analysis]'"
__all__ = ["HINT", "MissingDependencyError", "ema", "ema_quiet", "salib"]


def _need(module: str, package: str, purpose: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs {package}, which is not installed: {HINT} "
            f"(or pip install {package}) [{exc}]"
        ) from None


@contextlib.contextmanager
def ema_quiet() -> Iterator[None]:
    """Silence EMA Workbench's own import notices and the pandas deprecations it triggers."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ipyparallel not installed", UserWarning)
        warnings.filterwarnings("ignore", "altair based interactive", ImportWarning)
        for category in (DeprecationWarning, FutureWarning):
            warnings.filterwarnings("ignore", category=category, module=r"ema_workbench(\.|$)")
        yield


@contextlib.contextmanager
def salib_quiet() -> Iterator[None]:
    """Silence SALib's notice that some of a design's evaluations are constant: an outcome
    that never varies is reported as such by the callers (NaN indices), and one constant
    in a subset only widens the bootstrap intervals they report."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Constant values encountered", UserWarning)
        yield


def salib(part: str) -> ModuleType:
    """A SALib module, e.g. ``salib("analyze.sobol")``."""
    return _need(f"SALib.{part}", "SALib", "sensitivity analysis")


def ema(part: str) -> ModuleType:
    """An EMA Workbench analysis module, e.g. ``ema("prim")``."""
    with ema_quiet():
        return _need(f"ema_workbench.analysis.{part}", "ema_workbench", "scenario discovery")
