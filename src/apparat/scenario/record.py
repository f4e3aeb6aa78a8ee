"""The historical record a scenario's ensemble is scored against: dated facts, each with
a tolerance window and sources, and the order in which groups of leaders were defeated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from apparat.errors import RecordError, ScenarioError
from apparat.scenario.citations import Citation, as_list
from apparat.scenario.loader import LineIndex, locate, read_yaml, resolve_path
from apparat.scenario.models import Month

FactKind = Literal[
    "office_lost",
    "office_gained",
    "executive_removed",
    "executive_added",
    "sanction",
    "bloc_formed",
    "bloc_broken",
    "readmitted",
    "dominant",
]
# readmitted: a sanction at or above ``level`` lifted (a recantation or a rehabilitation
# brings the actor back below it); bloc_broken: actors who stood in one bloc no longer do
# a sanction of the scenario's own repertoire (``rules.sanctions``), checked when scored
Level = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Cites = Annotated[list[Citation], BeforeValidator(as_list), Field(min_length=1)]
RECORD_FILE = Path("record") / "historical.yaml"


class Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: FactKind
    date: Month
    window: int = Field(default=3, ge=0, le=36)
    actor: str | None = None
    actors: list[str] = []
    office: str | None = None
    level: Level | None = None
    cite: Cites
    note: str = ""


class DefeatOrder(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    groups: list[list[str]] = Field(min_length=2)
    cite: Cites


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str
    description: str = ""
    facts: list[Fact] = Field(min_length=1)
    order_of_defeats: DefeatOrder | None = None


def record_path(scenario: str | Path) -> Path | None:
    """Where a scenario keeps its own record: ``record/historical.yaml`` in its folder,
    bundled or given by path; None for a scenario given as one file."""
    path = resolve_path(scenario)
    return path / RECORD_FILE if path.is_dir() else None


def _own_record(scenario: str | Path) -> Path:
    """The scenario's own record file, or a RecordError that says how to give one."""
    hint = "give a record file with --record PATH (record= in Python)"
    try:
        path = record_path(scenario)
    except ScenarioError:
        raise RecordError(
            f"no record for scenario '{scenario}': it is neither a scenario folder nor a "
            f"bundled scenario; {hint}"
        ) from None
    if path is None:
        raise RecordError(
            f"scenario '{scenario}' is one file, so it has no record of its own "
            f"(a scenario folder keeps it in {RECORD_FILE}); {hint}"
        )
    if not path.is_file():
        raise RecordError(f"scenario '{scenario}' has no historical record at '{path}'; {hint}")
    return path


def load_record(path: str | Path | None = None, scenario: str | Path = "bolshevik_1923") -> Record:
    """Load a record file, with located errors; by default the scenario's own
    (``record/historical.yaml`` in its folder, for a bundled name or a path alike)."""
    p = Path(path) if path else _own_record(scenario)
    if not p.is_file():
        raise RecordError(f"no record file at '{p}'")
    index: LineIndex = {}
    try:
        data = read_yaml(p, index)
    except ScenarioError as exc:  # the shared reader raises nothing else
        raise RecordError(str(exc)) from None
    if not isinstance(data, dict) or "record" not in data:
        raise RecordError(f"{p}:1: the file must hold a top-level 'record:' mapping")
    try:
        return Record.model_validate(data["record"])
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ("record", *err["loc"])
            problems.append(f"  - {locate(index, loc, str(p))}: {err['msg']}")
        raise RecordError(f"{p}: malformed record\n" + "\n".join(problems)) from None
