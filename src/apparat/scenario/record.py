"""The historical record a scenario's ensemble is scored against: dated facts, each with
a tolerance window and sources, and the order in which groups of leaders were defeated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from apparat.errors import RecordError
from apparat.scenario.citations import Citation, as_list
from apparat.scenario.loader import LineIndex, bundled_root, locate, read_yaml
from apparat.scenario.models import Month

FactKind = Literal[
    "office_lost", "office_gained", "executive_removed", "sanction", "bloc_formed", "dominant"
]
Level = Literal[
    "censured", "removed_from_office", "removed_from_executive", "removed_from_cc",
    "expelled", "internal_exile", "deported",
]  # fmt: skip
Cites = Annotated[list[Citation], BeforeValidator(as_list), Field(min_length=1)]


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


def load_record(path: str | Path | None = None, scenario: str = "bolshevik_1923") -> Record:
    """Load a record file (default: the bundled scenario's own), with located errors."""
    p = Path(path) if path else bundled_root() / scenario / "record" / "historical.yaml"
    if not p.is_file():
        raise RecordError(f"no record file at '{p}'")
    index: LineIndex = {}
    try:
        data = read_yaml(p, index)
    except Exception as exc:  # a ScenarioError from the shared YAML reader
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
