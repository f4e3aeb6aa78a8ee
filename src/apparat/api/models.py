"""The web API's requests and answers as pydantic models: what the OpenAPI schema shows.

Every request field is bounded (runs, seed, the number and length of interventions) so
that a request can be refused with a message before it costs a simulation, and typed as
JSON types it: a number must be a JSON number (``true`` or ``"1000"`` for ``runs`` is a
mistake to name, not a value to guess; ``10.0`` is the integer 10, as JSON Schema has
it). Answers are plain numbers and strings; an interval that cannot be computed (one
run) is ``null``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

MAX_RUNS = 1000
DEFAULT_RUNS = 200
MAX_INTERVENTIONS = 10
MAX_SEED = 2**32 - 1
NAME = r"^[A-Za-z][A-Za-z0-9_.]*$"

Name = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=NAME)]


def json_number(value: object) -> object:
    """Refuse a boolean or a string where a number belongs (pydantic's lax mode reads
    them as 0, 1 or the number spelled); any JSON number goes on to the type's check."""
    if isinstance(value, bool | str):
        kind = "a boolean" if isinstance(value, bool) else "a string"
        raise ValueError(f"must be a JSON number, not {kind}")
    return value


# An integer: a JSON number without a fractional part (strict mode would refuse 10.0,
# which JSON Schema, and so the OpenAPI schema, calls an integer). The check comes after
# the bounds in the metadata, or pydantic leaves them out of the schema.
IS_NUMBER = BeforeValidator(json_number)
Integer = Annotated[int, IS_NUMBER]
Runs = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_RUNS,
        description=f"Runs per arm, at most {MAX_RUNS}: the engine takes a few seconds "
        "per thousand runs and arm.",
    ),
    IS_NUMBER,
]
Seed = Annotated[
    int,
    Field(ge=0, le=MAX_SEED, description="Same seed, same runs: the luck of run i is fixed."),
    IS_NUMBER,
]
# A parameter's value: a finite JSON number (an integer is a number too), not a string.
Value = Annotated[float, Field(strict=True, allow_inf_nan=False)]


def names_as_keys(schema: dict[str, Any]) -> None:
    """Pydantic writes a dict keyed by ``Name`` as ``patternProperties``, which leaves any
    other key unconstrained in the schema; say instead that every key is a name."""
    patterns = schema.pop("patternProperties", None)
    if patterns:
        ((pattern, values),) = patterns.items()
        schema["propertyNames"] = {**schema.get("propertyNames", {}), "pattern": pattern}
        schema["additionalProperties"] = values


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


# ------------------------------------------------------------------ scenarios


class ScenarioInfo(Frozen):
    id: str
    title: str
    start: str = Field(description="First month, YYYY-MM.")
    end: str = Field(description="Last month, YYYY-MM.")
    description: str = ""


class OptionInfo(Frozen):
    id: str
    label: str
    description: str
    historical: bool = Field(description="Whether this is the option history took.")
    cites: list[str] = Field(description="Source passages, e.g. S1:266 'short quote'.")


class DecisionInfo(Frozen):
    id: str = Field(description="Decision id, the key of `do` in an experiment.")
    actor: str
    actor_name: str
    date: str
    question: str
    historical: str = Field(description="Id of the option history took.")
    historical_label: str
    options: list[OptionInfo]
    cites: list[str]


class ParameterInfo(Frozen):
    name: str = Field(description="Parameter name, the key of `set` in an experiment.")
    label: str
    doc: str
    value: float = Field(description="The scenario's value.")
    default: float = Field(description="The engine's default when a scenario sets none.")
    low: float
    high: float
    note: str = ""
    cites: list[str] = []


# ------------------------------------------------------------------ experiment


class ExperimentRequest(BaseModel):
    """A paired counterfactual: the factual world and one what-if, with the same luck."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    scenario: Name = "bolshevik_1923"
    runs: Runs = DEFAULT_RUNS
    seed: Seed = 1
    do: dict[Name, Name] = Field(
        default={},
        json_schema_extra=names_as_keys,
        description="Forced decisions, decision id -> option id, "
        "e.g. {'trotsky.xii_congress': 'attack'}.",
    )
    set_: dict[Name, Value] = Field(
        default={},
        json_schema_extra=names_as_keys,
        alias="set",
        description="Changed parameters (or ACTOR.TRAIT, OFFICE.RESOURCE), name -> value.",
    )

    @model_validator(mode="after")
    def _few_interventions(self) -> ExperimentRequest:
        n = len(self.do) + len(self.set_)
        if n > MAX_INTERVENTIONS:
            raise ValueError(
                f"at most {MAX_INTERVENTIONS} interventions (do and set together), got {n}"
            )
        return self


class Share(Frozen):
    share: float = Field(description="Share of runs, 0..1.")
    low: float = Field(description="95 % Wilson interval, lower bound.")
    high: float = Field(description="95 % Wilson interval, upper bound.")


class Difference(Frozen):
    value: float = Field(description="Counterfactual minus factual share, paired by run.")
    low: float | None = Field(description="95 % interval; null with a single run.")
    high: float | None


class DominanceRow(Frozen):
    actor: str = Field(description="Actor id, or 'none' for runs in which no one consolidated.")
    name: str
    factual: Share
    counterfactual: Share
    difference: Difference


class Quantiles(Frozen):
    q05: list[float]
    q25: list[float]
    q50: list[float]
    q75: list[float]
    q95: list[float]


class ActorPower(Frozen):
    id: str
    name: str
    factual: Quantiles
    counterfactual: Quantiles


class PowerFan(Frozen):
    months: list[str]
    actors: list[ActorPower]


class ExperimentResponse(Frozen):
    scenario: str
    runs: int
    seed: int
    do: dict[str, str]
    set: dict[str, float]
    arms: list[str]
    dominance: list[DominanceRow] = Field(
        description="Who has consolidated power at the end, per arm, largest factual share first."
    )
    power: PowerFan = Field(description="Quantiles over runs of each contender's power share.")
    parameters: str = Field(
        description="Where each run's global parameters come from: 'point' (the scenario's "
        "values) or 'posterior HASH' (drawn from the calibrated posterior it ships)."
    )
    seconds: float


# ------------------------------------------------------------------ run explorer


class ActorInfo(Frozen):
    id: str
    name: str
    contender: bool


class OfficeInfo(Frozen):
    id: str
    name: str


class Citation(Frozen):
    source: str
    line: int | None = Field(default=None, description="A line of a local text file.")
    end_line: int | None = None
    page: int | None = Field(default=None, description="A page of a book, article or report.")
    end_page: int | None = None
    section: str | None = Field(default=None, description="A section of a web page.")
    quote: str | None = None
    title: str = Field(description="Title of the source document.")
    url: str | None = Field(default=None, description="Where the source is on the web.")
    gloss: str | None = Field(default=None, description="The quote in English, if it is not.")


class RunEvent(Frozen):
    month: int = Field(description="Index into `months`.")
    date: str
    kind: str
    text: str
    actors: list[str]
    cites: list[Citation]


class BlocInfo(Frozen):
    leader: str
    members: list[str]
    ruling: bool


class MonthState(Frozen):
    month: str
    holders: list[str | None] = Field(
        description="Holder of each office in `offices`, null when vacant."
    )
    executive: list[str] = Field(description="Members of the executive (Politburo).")
    blocs: list[BlocInfo]
    ruling: list[str]
    power: dict[str, float] = Field(description="Power share of each actor.")
    sanction: dict[str, str] = Field(description="Sanctioned actors and the worst step so far.")
    dominant: str | None


class SourceInfo(Frozen):
    title: str
    author: str | None = None
    language: str
    url: str | None = None
    glosses: dict[str, str] = Field(
        default={}, description="English glosses of the quotes cited from it, by quote."
    )


class RunResponse(Frozen):
    scenario: str
    seed: int
    do: dict[str, str]
    months: list[str]
    actors: list[ActorInfo]
    offices: list[OfficeInfo]
    by_month: list[MonthState]
    events: list[RunEvent]
    dominant: str | None = Field(description="Who has consolidated power at the end.")
    dominant_since: str | None
    sources: dict[str, SourceInfo] = Field(
        default={}, description="The documents the events cite, by id."
    )


class ErrorResponse(Frozen):
    detail: str
