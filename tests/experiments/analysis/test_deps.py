"""The optional libraries: a missing one is an ApparatError with the install line."""

from __future__ import annotations

import sys
import warnings

import pytest
from typer.testing import CliRunner

from apparat.cli import app
from apparat.errors import ApparatError
from apparat.experiments.analysis import Sensitivity
from apparat.experiments.analysis.deps import MissingDependencyError, ema, ema_quiet, salib


def test_a_missing_salib_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without SALib, asking for it raises MissingDependencyError, an ApparatError,
    whose message says pip install 'apparat[analysis]'."""
    monkeypatch.setitem(sys.modules, "SALib.sample.sobol", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'apparat\[analysis\]'"):
        salib("sample.sobol")
    assert issubclass(MissingDependencyError, ApparatError)


def test_a_missing_ema_workbench_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without EMA Workbench, scenario discovery says what to install."""
    monkeypatch.setitem(sys.modules, "ema_workbench.analysis.prim", None)
    with pytest.raises(MissingDependencyError, match=r"scenario discovery needs ema_workbench"):
        ema("prim")


def test_the_cli_prints_the_hint_in_red_and_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """`apparat analyze sensitivity` without SALib: a one-line message, exit code 2."""
    monkeypatch.setitem(sys.modules, "SALib.sample.sobol", None)
    result = CliRunner().invoke(
        app,
        ["analyze", "sensitivity", "--samples", "2", "--no-store", "-f", "secretariat.oversight"],
    )
    assert result.exit_code == 2
    assert "apparat[analysis]" in result.output
    assert "Traceback" not in result.output
    assert Sensitivity  # the package imports without SALib: it loads only when run


def test_only_ema_workbench_own_warnings_are_silenced() -> None:
    """Inside ema_quiet EMA's import notice is silenced, but a deprecation raised by our
    own code still surfaces."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with ema_quiet():
            warnings.warn("ipyparallel not installed - no matter", UserWarning, stacklevel=1)
            warnings.warn("ours", DeprecationWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["ours"]
