"""One error tree, so callers can catch what they mean and users read a message, not a trace.

::

    ApparatError
    ├── ScenarioError       a scenario file is malformed or inconsistent (names file, key, line)
    ├── InterventionError   an unknown decision, option, parameter or event, or a bad value
    ├── RecordError         a historical record file is malformed
    ├── EconomyError        the consequences model's data is malformed (names file, line)
    ├── SimulationError     an absurd request to the engine (no runs, a month out of range)
    ├── StoreError          the results store cannot be opened, read or written
    ├── BackendError        an execution backend cannot be used (a missing extra, an
    │                       unreachable scheduler, contradictory options)
    └── MissingDependencyError  an optional library (SALib, EMA Workbench) is not installed
"""

from __future__ import annotations


class ApparatError(Exception):
    """Base of every error apparat raises on purpose."""


class ScenarioError(ApparatError):
    """A scenario could not be loaded; the message lists every problem with its location."""

    def __init__(self, problems: list[str], source: str = "scenario") -> None:
        self.problems = problems
        self.source = source
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}")


class InterventionError(ApparatError):
    """An intervention names something the scenario does not have, or an impossible value."""


class RecordError(ApparatError):
    """A historical record file is malformed."""


class EconomyError(ApparatError):
    """The consequences model's data (parameters or historical series) is malformed."""


class SimulationError(ApparatError):
    """A simulation request that cannot be honoured."""


class StoreError(ApparatError):
    """The results store cannot be opened, read or written; the message names the path
    and says what to do."""


class BackendError(ApparatError):
    """A backend cannot be used: an optional dependency is missing, a scheduler cannot be
    reached, or the options contradict each other."""


class MissingDependencyError(ApparatError):
    """An optional library that an analysis needs is not installed; the message gives
    the extra to install."""
