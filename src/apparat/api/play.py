"""Play in the browser: take one contender's decisions, one request per decision.

The server keeps no games. A game is its scenario, actor, seed and the answers given so
far; each step replays it deterministically (``apparat.experiments.play.play``) with those
answers and stops at the first decision of the actor that has none, answering what the
actor sees there. History's option is not part of that answer: it is revealed for the
last answered decision only, once the player has chosen. When no decision is left the
step answers the verdict: the player's outcome against the runs in which the actor chose
as history did, and which of his choices mattered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from apparat.api.app import ERRORS, SIMULATION_ERRORS, _citation, get_scenario
from apparat.api.models import Citation, Frozen, Integer, Name, Seed, names_as_keys
from apparat.engine import SimulationResult
from apparat.engine.chronicle import Entry
from apparat.errors import InterventionError
from apparat.experiments.play import (
    Game,
    _fate,
    aftermath,
    check_actor,
    play,
    playable,
    verdict,
)
from apparat.policies.interactive import Situation
from apparat.scenario import Scenario
from apparat.scenario.sources import Source

MIN_BASELINE = 10
MAX_BASELINE = 200
DEFAULT_BASELINE = 100
MAX_ANSWERS = 50

IN_SCHEMA = True  # documented in /openapi.json with the other endpoints

InWorker = Callable[[Request, Callable[[], Any]], Awaitable[Any]]


# ------------------------------------------------------------------ models


class PlayActor(Frozen):
    id: str
    name: str


class PlayRequest(BaseModel):
    """A game so far: whose decisions the player takes, the run's seed, and his answers."""

    model_config = ConfigDict(extra="forbid")

    scenario: Name = "bolshevik_1923"
    actor: Name
    seed: Seed = 1
    answers: dict[Name, Name] = Field(
        default={},
        json_schema_extra=names_as_keys,
        max_length=MAX_ANSWERS,
        description="The player's answers so far, decision id -> option id.",
    )
    baseline_runs: Integer = Field(
        default=DEFAULT_BASELINE,
        ge=MIN_BASELINE,
        le=MAX_BASELINE,
        description="Runs in which the actor chooses as history did, for the verdict.",
    )


class PlayOption(Frozen):
    id: str
    label: str
    description: str
    cites: list[Citation]


class PlayOffice(Frozen):
    office: str
    holder: str = Field(description="Holder's name, or 'vacant'.")


class PlayBloc(Frozen):
    leader: str
    members: list[str]
    ruling: bool


class PlayLeader(Frozen):
    name: str
    power: float = Field(description="Power share, 0..1.")
    prestige: float


class PlayEvent(Frozen):
    date: str
    kind: str
    text: str
    cites: list[Citation]


class PlaySituation(Frozen):
    """What the actor sees when a decision falls due; history's choice is left out."""

    decision: str
    date: str = Field(description="Month, YYYY-MM.")
    question: str
    options: list[PlayOption]
    offices: list[PlayOffice]
    blocs: list[PlayBloc]
    leaders: list[PlayLeader]
    recent: list[PlayEvent] = Field(description="Events since the actor's previous decision.")
    cites: list[Citation]


class Revealed(Frozen):
    decision: str
    question: str
    chosen: str
    chosen_label: str
    historical: str
    historical_label: str


class PlayMattered(Revealed):
    power_change: float = Field(description="Mean power share as played minus with history's.")
    out_played: str | None = Field(description="Month out of the executive as played.")
    out_then: str | None = Field(description="The same with history's choice here.")
    fate_then: str


class PlayVerdict(Frozen):
    actor: str
    name: str
    in_executive: bool
    dominant: str | None = Field(description="Name of whoever consolidated power, if anyone.")
    power: float = Field(description="The actor's mean power share over the run.")
    baseline_in_executive: float
    baseline_dominant: float
    baseline_runs: int
    mattered: list[PlayMattered]
    judged: str = Field(description="Month judged: the end, or before the actor left play.")
    gone: str | None = Field(description="How the actor left play (death...), if he did.")
    decided: int = Field(description="How many of the actor's decisions came up.")


class PlaySummary(Frozen):
    """The end of the played run."""

    month: str
    fate: str = Field(description="'in the executive', or the actor's worst fate.")
    out: str | None = Field(description="Month the actor left the executive, if he did.")
    dominant: str | None
    dominant_since: str | None
    final_power: dict[str, float] = Field(description="Each contender's power share at the end.")
    events: int


class PlayStep(Frozen):
    status: Literal["decision", "over"]
    scenario: str
    actor: str
    name: str
    seed: int
    answers: dict[str, str]
    answered: int
    situation: PlaySituation | None = None
    revealed: Revealed | None = None
    verdict: PlayVerdict | None = None
    summary: PlaySummary | None = None
    aftermath: list[PlayEvent] = Field(
        default=[], description="At the end: what the last decision did, and what followed."
    )


# ------------------------------------------------------------------ logic


class _Asked(Exception):
    """Raised by the step's callback to stop the replay at the first unanswered decision."""

    def __init__(self, situation: Situation) -> None:
        super().__init__(situation.decision)
        self.situation = situation


def _ask(situation: Situation) -> str:
    raise _Asked(situation)


def actor_names(s: Scenario) -> dict[str, str]:
    return {a.id: a.name for a in s.actors}


def playable_actors(name: str) -> list[PlayActor]:
    s = get_scenario(name)
    names = actor_names(s)
    return [PlayActor(id=a, name=names.get(a, a)) for a in playable(s)]


def _check(s: Scenario, req: PlayRequest) -> None:
    """Refuse an unknown actor, or an answer that is not one of his decisions' options."""
    try:
        check_actor(s, req.actor)
    except InterventionError as exc:
        raise InterventionError(f"actor: {exc}") from None
    own = {d.id: d for d in s.decisions if d.actor == req.actor}
    for decision, option in req.answers.items():
        d = own.get(decision)
        if d is None:
            raise InterventionError(
                f"answers: {decision!r} is not a decision of {req.actor!r}; "
                f"his decisions: {', '.join(own)}"
            )
        ids = [o.id for o in d.options]
        if option not in ids:
            raise InterventionError(
                f"answers: {decision}: no option {option!r}; options: {', '.join(ids)}"
            )


def _event(e: Entry, docs: Mapping[str, Source]) -> PlayEvent:
    return PlayEvent(
        date=e.date, kind=e.kind, text=e.text, cites=[_citation(t, docs) for t in e.cites]
    )


def situation_view(
    s: Scenario, sit: Situation, answered: set[str], docs: Mapping[str, Source]
) -> PlaySituation:
    """The situation as JSON; its events run from the actor's previous decision (what it
    did, in its own month too) to this one, as in the terminal."""
    return PlaySituation(
        decision=sit.decision,
        date=sit.date,
        question=sit.question,
        options=[
            PlayOption(
                id=o.id,
                label=o.label,
                description=o.description,
                cites=[_citation(c, docs) for c in o.cites],
            )
            for o in sit.options
        ],
        offices=[PlayOffice(office=o, holder=h) for o, h in sit.offices],
        blocs=[PlayBloc(leader=b, members=m, ruling=r) for b, m, r in sit.blocs],
        leaders=[
            PlayLeader(name=n, power=round(p, 4), prestige=round(q, 3)) for n, p, q in sit.leaders
        ],
        recent=[_event(e, docs) for e in sit.recent],
        cites=[_citation(c, docs) for c in sit.cites],
    )


def _revealed(s: Scenario, answers: dict[str, str]) -> Revealed | None:
    """History's choice at the latest decision the player has answered."""
    order = {d.id: (d.date, i) for i, d in enumerate(s.decisions)}
    if not answers:
        return None
    last = max(answers, key=lambda k: order[k])
    d = next(x for x in s.decisions if x.id == last)
    labels = {o.id: o.label for o in d.options}
    return Revealed(
        decision=d.id,
        question=d.question,
        chosen=answers[last],
        chosen_label=labels[answers[last]],
        historical=d.historical,
        historical_label=labels[d.historical],
    )


def summary_of(res: SimulationResult, actor: str) -> PlaySummary:
    c, o = res.compiled, res.outcomes
    i = c.index(actor)
    _, _, fate, out = _fate(res, i)
    dom = int(o.dominant_end[0])
    since = int(o.consolidation_month[0])
    last = res.months - 1
    return PlaySummary(
        month=c.label(last),
        fate=fate,
        out=out,
        dominant=c.names[dom] if dom >= 0 else None,
        dominant_since=c.label(since) if dom >= 0 and since >= 0 else None,
        final_power={
            c.names[a]: round(float(res.history.power[0, last, a]), 4)
            for a in range(len(c.actors))
            if c.contender[a]
        },
        events=len(res.chronicle),
    )


def play_step(req: PlayRequest) -> PlayStep:
    """Replay the game with its answers; the next situation, or the verdict at the end."""
    s = get_scenario(req.scenario)
    _check(s, req)
    names = actor_names(s)
    docs = {src.id: src for src in s.sources}
    labels = {d.id: {o.id: o.label for o in d.options} for d in s.decisions}
    questions = {d.id: d.question for d in s.decisions}
    game = Game(req.actor, req.seed, 0, req.scenario, dict(req.answers))
    base = PlayStep(
        status="decision",
        scenario=req.scenario,
        actor=req.actor,
        name=names.get(req.actor, req.actor),
        seed=req.seed,
        answers=dict(req.answers),
        answered=len(req.answers),
        revealed=_revealed(s, dict(req.answers)),
    )
    try:
        res = play(game, _ask)
    except _Asked as asked:
        view = situation_view(s, asked.situation, set(req.answers), docs)
        return base.model_copy(update={"situation": view})
    v = verdict(game, res, req.baseline_runs)
    return base.model_copy(
        update={
            "status": "over",
            "verdict": PlayVerdict(
                actor=v.actor,
                name=names.get(v.actor, v.actor),
                in_executive=v.in_executive,
                dominant=v.dominant,
                power=round(v.power, 4),
                baseline_in_executive=v.baseline_in_executive,
                baseline_dominant=v.baseline_dominant,
                baseline_runs=v.baseline_runs,
                judged=v.judged,
                gone=v.gone,
                decided=v.decided,
                mattered=[
                    PlayMattered(
                        decision=m.decision,
                        question=questions[m.decision],
                        chosen=m.chosen,
                        chosen_label=labels[m.decision][m.chosen],
                        historical=m.historical,
                        historical_label=labels[m.decision][m.historical],
                        power_change=round(m.power_change, 4),
                        out_played=m.out_played,
                        out_then=m.out_then,
                        fate_then=m.fate_then,
                    )
                    for m in v.mattered
                ],
            ),
            "summary": summary_of(res, req.actor),
            "aftermath": [_event(e, docs) for e in aftermath(game, res)],
        }
    )


# ------------------------------------------------------------------ routes


def add_routes(app: FastAPI, in_worker: InWorker) -> None:
    """The play endpoints; a step runs on the application's workers, admitted and timed."""

    @app.get("/api/play/actors", tags=["play"], responses=ERRORS, include_in_schema=IN_SCHEMA)
    def actors(
        scenario: Annotated[str, Query(max_length=80)] = "bolshevik_1923",
    ) -> list[PlayActor]:
        """The actors a person can play in the scenario: those with decisions of their own."""
        return playable_actors(scenario)

    @app.post(
        "/api/play/step", tags=["play"], responses=SIMULATION_ERRORS, include_in_schema=IN_SCHEMA
    )
    async def step(request: Request, req: PlayRequest) -> PlayStep:
        """Replay a game with the answers given so far and answer the next decision of the
        player's actor (without history's option), or, when none is left, the verdict."""
        result: PlayStep = await in_worker(request, lambda: play_step(req))
        return result


__all__ = ["PlayRequest", "PlayStep", "add_routes", "play_step", "playable_actors"]
