"""The scenario as pydantic models: what a modeller writes, validated at the boundary.

A scenario maps its own people, offices and bodies onto the roles the engine knows
(the office that appoints, the body that elects the CC, ...). Every number that is a
claim about the past carries citations; where sources disagree, a `Dispute` keeps
every claim and says which one the scenario uses.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from apparat.scenario.citations import Citation, as_list
from apparat.scenario.parameters import Param
from apparat.scenario.rules import Rules
from apparat.scenario.sources import Source

Cites = Annotated[list[Citation], BeforeValidator(as_list), Field(min_length=1)]
OptCites = Annotated[list[Citation], BeforeValidator(as_list)]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Signed = Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)]
# the longest a scenario may run, and so a pact last: every run holds arrays by month
MAX_MONTHS = 600
Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
DecisionIdent = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")]
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

TRAITS = ("prestige", "organisation", "intrigue", "oratory", "ambition", "resolve", "flexibility")


def parse_month(value: object) -> str:
    """Accept 'YYYY-MM' (YAML may hand us a date or an int-like); return 'YYYY-MM'."""
    text = str(value)[:7] if not isinstance(value, str) else value
    match = _MONTH.match(text)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"{value!r} is not a month written as YYYY-MM")
    return text


Month = Annotated[str, BeforeValidator(parse_month)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Claim(Strict):
    id: Ident
    value: str
    cite: Cites


class Dispute(Strict):
    """Sources disagree: keep every claim, say which the scenario uses and why."""

    id: Ident
    question: str
    claims: list[Claim] = Field(min_length=2)
    used: str
    why: str

    @field_validator("used")
    @classmethod
    def _used_is_a_claim(cls, used: str, info: object) -> str:
        claims = getattr(info, "data", {}).get("claims", [])
        ids = [c.id for c in claims]
        if ids and used not in ids:
            raise ValueError(f"'used' must be one of the claim ids {ids}, not {used!r}")
        return used


class Trait(Strict):
    value: float
    cite: Cites
    note: str | None = Field(
        default=None,
        description="What the value rests on where the sources do not fix it (a neutral "
        "mid value, a value taken from an ally's line).",
    )


class UnitTrait(Trait):
    value: Unit


class SignedTrait(Trait):
    value: Signed


class Traits(Strict):
    prestige: UnitTrait
    organisation: UnitTrait
    intrigue: UnitTrait
    oratory: UnitTrait
    ambition: UnitTrait
    resolve: UnitTrait
    flexibility: UnitTrait


# -1..1 on each of the scenario's policy axes (`rules.axes` says what the poles mean)
Position = dict[Ident, SignedTrait]


class Enmity(Strict):
    with_: Ident = Field(alias="with")
    strength: Unit
    cite: Cites


class Faction(Strict):
    """A grouping the sources name before the struggle: its members trust one another,
    so they bear each other inside a bloc, follow its leader and do not resent each
    other's rise. Trust is a starting fact; enmity, betrayal and motions can outweigh it."""

    id: Ident
    name: str
    members: list[Ident] = Field(min_length=2)
    leader: Ident | None = Field(
        default=None,
        description="The member the sources name the faction after: where the faction "
        "consolidates power (rules.dominance.rivals: faction) and he sits in the "
        "executive, he is its leader; otherwise its strongest member is.",
    )
    cite: Cites


class Career(Strict):
    """A line of work the sources give a person (the army, the political police, the
    economic administration): offices that call for it go to those who have it."""

    id: Ident
    cite: Cites


class Actor(Strict):
    id: Ident
    name: str
    traits: Traits
    position: Position
    enmities: list[Enmity] = []
    careers: list[Career] = Field(
        default=[],
        description="The careers he has behind him, each cited; an office's 'requires' "
        "names those that qualify for it.",
    )
    contender: bool = Field(
        default=False, description="May lead a bloc and be dominant; others only follow."
    )
    sanction: Ident | None = Field(
        default=None,
        description="A sanction of the rules' repertoire he is already under at the start.",
    )
    cc: bool = Field(
        default=True,
        description="A full member of the CC at the start; false for one a congress has "
        "yet to elect (he then votes there only once the leadership's list puts him on).",
    )
    cite: Cites


BodyRole = Literal["congress", "central_committee", "executive", "organisation", "secretariat"]


class Body(Strict):
    id: Ident
    name: str
    role: BodyRole
    seats: int = Field(ge=1, le=100_000)
    members: list[Ident] = []
    candidates: list[Ident] = Field(
        default=[],
        description="The executive's candidate (non-voting) members at the start: its "
        "bench, from which an empty seat is filled first (those of the ruling side).",
    )
    cite: Cites


class Office(Strict):
    """An office or a power base; its resources are what holding it is worth."""

    id: Ident
    name: str
    holder: Ident | None = None
    deputy_of: Ident | None = Field(
        default=None, description="The office whose holder this one succeeds when it falls vacant."
    )
    ex_officio: Ident | None = Field(
        default=None,
        description="An office whose holder takes this one when it falls vacant, keeping "
        "his own (a party chairman who also chairs the military commission).",
    )
    refilled: bool = Field(
        default=True,
        description="False: a post made for one man; once he leaves it, no one is named to it "
        "(a designated successor's title lapses when he succeeds).",
    )
    requires: list[Ident] = Field(
        default=[],
        description="Careers (actors' 'careers') one of which qualifies for the office: a "
        "vacancy goes to a qualified candidate of the ruling side where there is one.",
    )
    unqualified: Literal["any", "none"] = Field(
        default="any",
        description="Where the ruling side has no qualified candidate: 'any' fills it by "
        "the usual rule, 'none' leaves it to a professional the scenario does not model "
        "(held by no actor).",
    )
    from_: str | None = Field(
        default=None,
        alias="from",
        description="The month (YYYY-MM) or the calendar event (its id) that creates the "
        "office; it stays vacant until then.",
    )
    incompatible: list[Ident] = Field(
        default=[],
        description="Offices, or bodies (the CC, the executive), no one may hold together "
        "with this one: who takes it gives them up (a succession chain).",
    )
    base: bool = Field(
        default=False,
        description="A power base (the army, a capital's organisation): where the ruling "
        "coalition has several leaders, it goes to one of their followers, not to a leader.",
    )
    appoints: bool = Field(default=False, description="Controls appointment of secretaries.")
    patronage: Unit = 0.0
    delegates: Unit = Field(default=0.0, description="Share of congress delegates it sends.")
    force: Unit = 0.0
    press: Unit = 0.0
    surveillance: Unit = 0.0
    cite: Cites

    @field_validator("from_", mode="before")
    @classmethod
    def _month_or_event(cls, value: object) -> object:
        """A month is normalised to YYYY-MM; anything else must be an event id."""
        if value is None:
            return None
        text = str(value)
        if re.match(r"^\d{4}-", text):
            return parse_month(value)
        if not re.match(r"^[a-z][a-z0-9_]*$", text):
            raise ValueError(f"{value!r} is neither a month (YYYY-MM) nor a calendar event id")
        return text

    @model_validator(mode="after")
    def _office_consistent(self) -> Office:
        problems = []
        if self.from_ is not None and self.holder is not None:
            problems.append(
                f"an office created later ('from: {self.from_}') cannot have a holder at "
                f"the start ('{self.holder}'); use holder: null"
            )
        if self.id in self.incompatible:
            problems.append(f"office '{self.id}' cannot be incompatible with itself")
        if self.unqualified != "any" and not self.requires:
            problems.append("'unqualified' needs 'requires' (the careers that qualify)")
        for dup in sorted({x for x in self.requires if self.requires.count(x) > 1}):
            problems.append(f"career '{dup}' is named twice in 'requires'")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Patronage(Strict):
    # each run holds one entry per seat: a count of 2**31 would be a 16 GiB array
    count: int = Field(ge=1, le=10_000)
    patrons: dict[Ident, Unit] = Field(description="Share of seats beholden to each actor.")
    cite: Cites

    @field_validator("patrons")
    @classmethod
    def _shares_at_most_one(cls, patrons: dict[str, float]) -> dict[str, float]:
        total = sum(patrons.values())
        if total > 1.0 + 1e-9:
            raise ValueError(f"patron shares add up to {total:.3f}, more than 1")
        return patrons


class Cohort(Strict):
    id: Ident
    name: str
    members: float = Field(gt=0, le=1e6, allow_inf_nan=False, description="Thousands of members.")
    joins: Month | None = Field(default=None, description="Month of the enrolment wave.")
    apparatus_loyalty: Unit
    oratory_pull: Unit
    cite: Cites


class Commanders(Patronage):
    """The officer corps: armed force follows the chain of command (the force offices)
    only in part; the rest follows the leaders the commanders look to."""

    weight: Unit = Field(
        description="Share of armed force that follows the commanders' own loyalties "
        "rather than the holders of the force offices."
    )
    note: str | None = None


class Party(Strict):
    secretaries: Patronage
    central_committee: Patronage
    commanders: Commanders | None = Field(
        default=None,
        description="Where armed force is not the office holders' alone: the commanders' "
        "patrons and how much of force follows them.",
    )
    cohorts: list[Cohort] = Field(min_length=1)


EventKind = Literal[
    "incapacitation", "death", "congress", "conference", "plenum", "shock", "enrolment"
]


class Event(Strict):
    id: Ident
    date: Month
    kind: EventKind
    name: str
    actor: Ident | None = None
    cohort: Ident | None = None
    cc_seats: int | None = Field(default=None, ge=1, le=100_000)
    executive_seats: int | None = Field(default=None, ge=1, le=1000)
    prestige: dict[Ident, Signed] = {}
    salience: dict[Ident, Signed] = {}
    blame_axis: Ident | None = Field(
        default=None, description="A policy failure: whoever's line governs on this axis loses."
    )
    blame_direction: Signed = 0.0
    cite: Cites


class Effect(Strict):
    """What choosing an option does. Each field is one kind of effect; combine freely."""

    prestige: dict[Ident, Signed] = {}
    motion: Literal["remove_office", "censure", "sanction"] | None = Field(
        default=None,
        description="remove_office: the office's holder loses it; censure: the target "
        "gets the repertoire's lightest sanction; sanction: the target gets `sanction`.",
    )
    office: Ident | None = Field(default=None, description="Office the motion targets.")
    target: Ident | None = Field(
        default=None, description="Actor a censure or sanction targets (any actor)."
    )
    sanction: Ident | None = Field(default=None, description="For motion: sanction.")
    position: dict[Ident, Signed] = Field(
        default={}, description="Shift of the chooser's own line on each axis."
    )
    salience: dict[Ident, Signed] = Field(
        default={}, description="Change in each axis's salience (a speech that moves the party)."
    )
    mood: dict[Ident, Signed] = Field(
        default={}, description="Shift of the party's mood on each axis."
    )
    body: Ident | None = Field(default=None, description="Body that votes on the motion.")
    authority: Unit = Field(
        default=0.0, description="Weight a motion carries beyond its mover's standing."
    )
    ally: list[Ident] = Field(default=[], description="Enter a pact with these actors.")
    pact_months: int = Field(default=12, ge=1, le=MAX_MONTHS)
    against: Ident | None = Field(
        default=None,
        description="The common enemy a pact is made against: it lapses, before its term, "
        "once he can no longer threaten (his strength at or under threat_threshold, or "
        "expelled, or dead).",
    )
    enmity: dict[Ident, Signed] = Field(default={}, description="Change in enmity toward each.")
    tactic: Literal["none", "open", "appeal", "underground", "demonstrate"] | None = Field(
        default=None, description="Set the chooser's opposition tactic; 'none' falls silent."
    )
    recant: bool = False
    resign: list[Ident] = Field(
        default=[],
        description="Offices the chooser gives up (those of them he holds); the ruling "
        "coalition fills them, never with him.",
    )
    oversight: Signed = 0.0


class Option(Strict):
    id: Ident
    label: str
    description: str
    effects: Effect = Effect()
    cite: Cites

    @model_validator(mode="before")
    @classmethod
    def _no_weights(cls, raw: object) -> object:
        """Options carry no weights: one rule values every option from its effects."""
        if isinstance(raw, dict) and "utility" in raw:
            raise ValueError(
                "an option may not carry its own 'utility' weights: the behavioural rule "
                "values every option from its effects and the chooser's traits and "
                "beliefs (docs/model.md, 'The choice rule'); remove 'utility:'"
            )
        return raw


class Requires(Strict):
    alive: bool = True
    max_sanction: int | Ident | None = Field(
        default=None, description="The heaviest sanction (id, or its rank) he may be under."
    )
    min_sanction: int | Ident | None = Field(
        default=None, description="The lightest sanction (id, or its rank) he must be under."
    )
    excluded: bool | None = Field(
        default=None, description="True: only if outside the ruling bloc; False: only if inside."
    )
    chosen: dict[DecisionIdent, Ident] = Field(
        default={}, description="Only where these earlier decisions went these ways."
    )
    holds: list[Ident] = Field(
        default=[], description="Only while the chooser holds one of these offices."
    )


class Decision(Strict):
    id: DecisionIdent
    actor: Ident = Field(description="An actor, or a body whose ruling bloc decides.")
    date: Month
    question: str
    options: list[Option] = Field(min_length=2)
    historical: Ident
    default: Ident | None = Field(
        default=None,
        description="The option that happens if the chooser takes no initiative (every "
        "other option is an act, which costs the irresolute); by default the one option "
        "without effects, if there is one.",
    )
    requires: Requires = Requires()
    after: Ident | None = Field(
        default=None,
        description="An event it hangs on: due no earlier than the month that event happens.",
    )
    before: Ident | None = Field(
        default=None, description="An event that ends it: it lapses if that event comes first."
    )
    cite: Cites

    @field_validator("historical")
    @classmethod
    def _historical_is_an_option(cls, historical: str, info: object) -> str:
        options = getattr(info, "data", {}).get("options", [])
        ids = [o.id for o in options]
        if ids and historical not in ids:
            raise ValueError(f"'historical' must be one of the options {ids}, not {historical!r}")
        return historical

    @field_validator("default")
    @classmethod
    def _default_is_an_option(cls, default: str | None, info: object) -> str | None:
        ids = [o.id for o in getattr(info, "data", {}).get("options", [])]
        if default is not None and ids and default not in ids:
            raise ValueError(f"'default' must be one of the options {ids}, not {default!r}")
        return default


class Roles(Strict):
    """Map the engine's roles onto this scenario's bodies."""

    congress: Ident
    central_committee: Ident
    executive: Ident
    founder: Ident | None = Field(
        default=None, description="The incumbent whose incapacity opens the succession."
    )


FactorGroup = Literal["structure", "character"]
FactorTarget = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")]


class Factor(Strict):
    """A quantity sensitivity analysis may vary, over the range the sources leave open.

    ``target`` uses the grammar of ``--set`` (PARAMETER, BODY.PARAMETER, ACTOR.TRAIT,
    ACTOR.AXIS); ``group`` says whether it is structure (the apparatus, the rules) or
    a leader's character, the two kinds of cause the sources argue about.
    """

    target: FactorTarget
    low: float
    high: float
    group: FactorGroup = "structure"
    cite: Cites
    note: str = ""

    @model_validator(mode="after")
    def _low_below_high(self) -> Factor:
        if not self.low < self.high:
            raise ValueError(f"'low' ({self.low}) must be below 'high' ({self.high})")
        return self


class Meta(Strict):
    id: Ident
    title: str
    start: Month
    end: Month
    description: str = ""


class Scenario(Strict):
    scenario: Meta
    sources: list[Source] = Field(min_length=1)
    disputes: list[Dispute] = []
    roles: Roles
    # the history keeps actor indices as int8: at most 127 actors
    actors: list[Actor] = Field(min_length=2, max_length=100)
    factions: list[Faction] = Field(
        default=[], description="Groupings the sources name; an actor belongs to one at most."
    )
    bodies: list[Body]
    offices: list[Office]
    party: Party
    calendar: list[Event]
    decisions: list[Decision] = []
    parameters: dict[str, Param] = {}
    factors: list[Factor] = []
    rules: Rules
