"""The rules of a regime, as a scenario declares them: what the general mechanisms read.

The engine hard-codes no regime's rules. A scenario says which policy axes matter, which
sanctions exist and who may impose them, how far one session may go, what force may
do, which body may overturn another, and what consolidated power means; every rule
cites its source (see docs/design/rules.md).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from apparat.scenario.citations import Citation, as_list

Cites = Annotated[list[Citation], BeforeValidator(as_list), Field(min_length=1)]
OptCites = Annotated[list[Citation], BeforeValidator(as_list)]
Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]

# the kinds of session at which a sanction can be imposed; `force` needs no vote at all
SessionKind = Literal["executive", "plenum", "conference", "congress", "force"]
SESSION_KINDS: tuple[SessionKind, ...] = ("executive", "plenum", "conference", "congress", "force")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Axis(Strict):
    """A policy axis: what -1 and +1 mean on it."""

    id: Ident
    name: str
    low: str = Field(description="What -1 stands for.")
    high: str = Field(description="What +1 stands for.")
    cite: Cites


class SanctionEffects(Strict):
    """What reaching a sanction does to its target (lighter sanctions' effects included)."""

    offices: Literal["none", "best", "all"] = "none"
    executive: bool = False
    central_committee: bool = False
    membership: bool = False
    liberty: bool = False
    life: bool = False
    prestige: Unit = 0.0


class Sanction(Strict):
    id: Ident
    name: str
    imposed_by: list[SessionKind] = Field(min_length=1)
    requires: Ident | None = Field(
        default=None, description="A lighter sanction the target must already have reached."
    )
    needs_force: bool = Field(
        default=False, description="Imposed only while the rulers' side holds the force offices."
    )
    only_at: list[Ident] = Field(
        default=[],
        description="Calendar events (sessions) at which alone it may be imposed: a body that "
        "sits once, such as a special court, or the sessions at which another body sits with "
        "the one that votes (a joint plenum with the Control Commission). Empty: any session "
        "of the kinds in imposed_by.",
    )
    grounds: Literal["opposition", "illegal_work"] = Field(
        default="opposition",
        description="What the target must have done for a body to impose it: oppose the "
        "rulers ('opposition': any hostile rival), or turn to illegal faction work "
        "('illegal_work': underground meetings and presses, street demonstrations), he or "
        "a member of his bloc, and not recanted since. The ladder stops below such a "
        "rung until the grounds exist.",
    )
    repeat: bool = Field(
        default=False,
        description="It may strike again, after heavier sanctions, while the target still "
        "has what it takes: a rung that takes his best office (offices: best) takes the "
        "next best at a later session where the ladder can climb no further.",
    )
    effects: SanctionEffects = SanctionEffects()
    reversal: Literal["none", "recant", "rehabilitation"] = "none"
    cite: Cites

    @model_validator(mode="after")
    def _repeatable(self) -> Sanction:
        if self.repeat and self.effects.offices != "best":
            raise ValueError(
                f"sanction '{self.id}' repeats, but only a sanction that takes the best "
                "office (effects: offices: best) can strike again"
            )
        return self


class Session(Strict):
    """How many rungs of the repertoire one vote of each kind of session may climb."""

    executive: int = Field(default=1, ge=0, le=20)
    plenum: int = Field(default=1, ge=0, le=20)
    conference: int = Field(default=1, ge=0, le=20)
    congress: int = Field(default=1, ge=0, le=20)
    force: int = Field(default=1, ge=0, le=20)


class Force(Strict):
    offices: list[Ident] = Field(default=[], description="Offices whose holders command force.")
    arrest: bool = Field(
        default=False,
        description="Force may impose the sanctions marked `imposed_by: force` without a vote.",
    )
    fear_inside: bool = Field(
        default=False, description="Partners fear a strong ally of their own who holds force."
    )
    against: Literal["hostile", "challengers"] = Field(
        default="hostile",
        description="Whom force strikes without a vote: any hostile rival, or only those who "
        "challenge the rulers in the open (a claim pressed, a bloc, a demonstration); the "
        "rest are left to the votes of the bodies.",
    )
    cite: OptCites = []


class Appeal(Strict):
    """A sanction voted in one body goes to a larger one, whose majority may overturn it."""

    from_: SessionKind = Field(alias="from")
    to: SessionKind
    cite: Cites

    @model_validator(mode="after")
    def _not_itself(self) -> Appeal:
        if self.from_ == self.to:
            raise ValueError(f"a body cannot overturn itself ('{self.to}' appeals to '{self.to}')")
        if "force" in (self.from_, self.to):
            raise ValueError("force casts no votes: an appeal goes from one body to another")
        return self


class Dominance(Strict):
    """What consolidated power means: the leader's side must hold all of these at once."""

    rivals_in_executive: int = Field(default=0, ge=0, le=50)
    rivals: Literal["contenders", "faction", "opponents"] = Field(
        default="contenders",
        description="Who counts as a rival still in the executive: every other contender; "
        "every contender outside the leader's own faction (the members of one faction "
        "the sources name act as one, so they are not rivals of each other); or only "
        "contenders outside the leader's side (his partners in a collective are not "
        "rivals).",
    )
    executive_share: Unit = 0.5
    cc_share: Unit = 0.5
    cc_counted: Literal["all", "aligned"] = Field(
        default="all",
        description="The CC seats the side's share is counted over: all of them, or only "
        "those of leaders and their clients (where the unaligned ratify what the leadership "
        "has settled and no congress renews the CC within the scenario).",
    )
    offices: list[Ident] = []
    leader: Literal["strongest", "offices"] = Field(
        default="strongest",
        description="Who leads a consolidated side: its most powerful contender, or the one "
        "who holds, himself or through his followers, most of the offices named above "
        "(where a collective's first man is whoever commands its chairs).",
    )
    cite: OptCites = []


NaiveRule = Literal["most_offices", "most_power", "most_prestige"]


class Rules(Strict):
    axes: list[Axis] = Field(min_length=1, max_length=6)
    sanctions: list[Sanction] = Field(min_length=1, max_length=20)
    session: Session = Session()
    targets: Literal["contenders", "everyone"] = "contenders"
    strike: Literal["strongest_group", "all_hostile"] = "strongest_group"
    force: Force = Force()
    appeals: list[Appeal] = []
    rehabilitation: bool = False
    collective: bool = Field(
        default=False,
        description="Rivals deter each other: a coalition whose friction is bearable holds "
        "even when a subset could win by turning on the rest (collective leadership).",
    )
    campaign: bool = Field(
        default=True,
        description="Excluded blocs take their case to the party in the open of their own "
        "accord; false: they keep silent unless a decision says otherwise.",
    )
    vacancies: Literal["best", "claims"] = Field(
        default="best",
        description="Who fills a vacant office: the ruling coalition's best candidate, or "
        "the people of the coalition leader who presses the strongest claim (power times "
        "ambition), who places the best of his own side in it.",
    )
    co_opt: Literal["monthly", "sessions"] = Field(
        default="monthly",
        description="When an empty executive seat is filled: in the month it falls empty "
        "('monthly': the executive co-opts), or only when the CC sits ('sessions': a "
        "plenum or a congress elects the executive, so a seat waits for it).",
    )
    recantation: Literal["decisions", "struck"] = Field(
        default="decisions",
        description="Who may recant, and when: only where a scenario decision asks it "
        "('decisions'), or also anyone a recantation would readmit, each time a blow "
        "falls on him ('struck'), weighing the way back into the party against what he "
        "gives up by the one choice rule.",
    )
    readmission: Literal["at_once", "sessions"] = Field(
        default="at_once",
        description="When a recantation lifts the sanctions it undoes: at once, or at the "
        "next session of the CC ('sessions': a plenum or a congress readmits; until then "
        "the man has recanted, keeps quiet and is left alone, but stays expelled).",
    )
    dominance: Dominance = Dominance()
    naive_baseline: NaiveRule = "most_offices"
    cite: Cites

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        ids = [s.id for s in self.sanctions]
        problems = []
        for name, items in (("axis", [a.id for a in self.axes]), ("sanction", ids)):
            dup = sorted({x for x in items if items.count(x) > 1})
            if dup:
                problems.append(f"duplicate {name} id(s): {', '.join(dup)}")
        if "none" in ids:
            problems.append("'none' is the absence of a sanction and cannot be one")
        for k, s in enumerate(self.sanctions):
            if s.requires is not None:
                if s.requires not in ids:
                    problems.append(
                        f"sanction '{s.id}' requires '{s.requires}', which is not in the "
                        f"repertoire ({', '.join(ids)}): its prerequisite could never exist"
                    )
                elif ids.index(s.requires) >= k:
                    problems.append(
                        f"sanction '{s.id}' requires '{s.requires}', which is not lighter "
                        "(list the repertoire lightest first)"
                    )
            if "force" in s.imposed_by and not self.force.arrest:
                problems.append(
                    f"sanction '{s.id}' is imposed by force, but the rules do not let force "
                    "arrest (set force.arrest: true)"
                )
        if sum(s.repeat for s in self.sanctions) > 1:
            problems.append("only one sanction may repeat (the one that strips offices)")
        if (self.force.arrest or any(s.needs_force for s in self.sanctions)) and not (
            self.force.offices
        ):
            problems.append("force acts here, but force.offices names no office that commands it")
        if problems:
            raise ValueError("; ".join(problems))
        return self
