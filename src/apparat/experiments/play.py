"""A game: one run in which a person takes one contender's decisions.

A game is its scenario, seed, run index, actor and answers, so it saves as a small JSON
file and replays deterministically. At the end it is set against the runs in which
the actor chose as history did (same seed range), and each of the player's choices is
weighed by replaying the game with that one choice put back as history had it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from apparat.engine import SimulationResult, compile_scenario, simulate
from apparat.engine.chronicle import Entry
from apparat.engine.decisions import DecisionContext, behavioural_choice
from apparat.errors import InterventionError
from apparat.experiments.batch import content_hash, scenario_json
from apparat.policies import ForcedChoice
from apparat.policies.interactive import Ask, Interactive, Situation
from apparat.scenario import Scenario, load_scenario

FORMAT = 1


@dataclass
class Game:
    actor: str
    seed: int = 1
    run: int = 0
    scenario: str = "bolshevik_1923"
    answers: dict[str, str] = field(default_factory=dict)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps({"format": FORMAT, **asdict(self)}, indent=2))

    @classmethod
    def load(cls, path: str | Path) -> Game:
        try:
            data = json.loads(Path(path).read_text())
            if data.pop("format", None) != FORMAT:
                raise ValueError("unknown format")
            return cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise InterventionError(f"{path}: not a saved apparat game ({exc})") from None


@dataclass(frozen=True)
class Mattered:
    decision: str
    chosen: str
    historical: str
    power_change: float  # the actor's mean power share over the run, as played minus history's
    out_played: str | None  # month the actor left the executive as played (None: never)
    out_then: str | None  # the same had he chosen as history did here
    fate_then: str  # the actor's fate had he chosen as history did
    question: str = ""
    chosen_label: str = ""
    historical_label: str = ""


@dataclass(frozen=True)
class Verdict:
    actor: str
    in_executive: bool
    dominant: str | None
    power: float
    baseline_in_executive: float  # share of historical-choice runs with the actor at the top
    baseline_dominant: float  # share of historical-choice runs in which he consolidated
    baseline_runs: int
    mattered: list[Mattered]
    judged: str = ""  # the month judged: the end, or the actor's last month in play
    gone: str | None = None  # how the actor left play (death, incapacitation), if he did
    decided: int = 0  # how many of the actor's decisions came up in the game


PROBE_RUNS = 24
_probed: dict[str, list[str]] = {}  # by the scenario's content: each step reloads it


class _Probe:
    """Behave as everyone would, noting whose decisions fall due (alive, able, eligible)."""

    def __init__(self) -> None:
        self.actors: set[str] = set()

    def choose(self, dc: DecisionContext) -> Any:
        if dc.eligible.any():
            self.actors.add(dc.decision.actor)
        return behavioural_choice(dc)


def playable(s: Scenario) -> list[str]:
    """Actors who can act: with decisions of their own that fall due in at least one of a
    few behavioural runs, so no one is offered who dies or is out before his first."""
    key = content_hash(scenario_json(s))
    hit = _probed.get(key)
    if hit is not None:
        return hit
    own = {d.actor for d in s.decisions if d.actor in {a.id for a in s.actors}}
    probe = _Probe()
    simulate(compile_scenario(s), PROBE_RUNS, 1, None, probe, False)
    actors = sorted(own & probe.actors)
    _probed[key] = actors
    return actors


def check_actor(s: Scenario, actor: str) -> None:
    actors = playable(s)
    if actor not in actors:
        raise InterventionError(
            f"no decisions belong to {actor!r} in {s.scenario.id}; play as one of: "
            + ", ".join(actors)
        )


def play(game: Game, ask: Ask) -> SimulationResult:
    """Play (or replay, or resume) the game's run, asking for the unanswered decisions."""
    s = load_scenario(game.scenario)
    check_actor(s, game.actor)
    policy = _Tracking(game.actor, ask, game.answers)
    res = simulate(compile_scenario(s), np.array([game.run]), game.seed, None, policy, True)
    game.answers.update(policy.answers)
    return res


class _Tracking(Interactive):
    """Interactive, with 'recent' counted from the player's previous decision itself, so
    what that decision did in its own month is shown, in a replay as in a live game."""

    def __init__(self, actor: str, ask: Ask, answers: dict[str, str] | None = None) -> None:
        super().__init__(actor, ask, answers)
        self._mark = 0

    def choose(self, dc: DecisionContext) -> Any:
        mine = dc.decision.actor == self.actor and bool(dc.eligible.any())
        out = super().choose(dc)
        if mine and dc.world is not None:
            self._mark = len(dc.world.log.entries)  # the decision's own entry comes next
        return out

    def situation(self, dc: DecisionContext) -> Situation:
        sit = super().situation(dc)
        entries = dc.world.log.entries if dc.world is not None else []
        return replace(sit, recent=list(entries[self._mark :]))


def own_decisions(game: Game, res: SimulationResult) -> list[Entry]:
    """The chronicle's entries for the player's decisions, in order."""
    own = {d.id for d in res.compiled.scenario.decisions if d.actor == game.actor}
    return [e for e in res.chronicle if e.kind == "decision" and e.why.get("decision") in own]


def aftermath(game: Game, res: SimulationResult) -> list[Entry]:
    """What the player's last decision did and what followed it to the end of the run
    (the later ones are shown at the next decision)."""
    entries = list(res.chronicle)
    mine = own_decisions(game, res)
    if not mine:
        return []
    return entries[entries.index(mine[-1]) :]


def replay(game: Game) -> SimulationResult:
    """The saved game again, deterministically; refuses if an answer is missing."""

    def missing(situation: Any) -> str:
        raise InterventionError(f"the saved game has no answer for {situation.decision}")

    return play(game, missing)


GONE = ("death", "incapacitation")


def departure(res: SimulationResult, actor: int) -> Entry | None:
    """The chronicle's entry for the actor's death or incapacitation, if either came."""
    aid = res.compiled.actors[actor]
    return next((e for e in res.chronicle if e.kind in GONE and aid in e.actors), None)


def last_month(res: SimulationResult, actor: int) -> int:
    """The month to judge the actor at: the end, or the month before he died or was
    incapacitated (a man out of play is not judged on what came after)."""
    gone = departure(res, actor)
    return res.months - 1 if gone is None else max(gone.month - 1, 0)


def _fate(res: SimulationResult, actor: int) -> tuple[bool, float, str, str | None]:
    """In the executive when judged; mean power until then; fate; month out (or None)."""
    h, o = res.history, res.outcomes
    last = last_month(res, actor)
    in_exec = bool(h.executive[0, last, actor])
    fate = (
        "died"
        if o.died[0, actor]
        else res.compiled.sanctions.names[int(o.final_sanction[0, actor])]
    )
    out = int(o.defeat_month[0, actor])
    return (
        in_exec,
        float(h.power[0, : last + 1, actor].mean()),
        "in the executive" if in_exec else fate.replace("_", " "),
        res.compiled.label(out) if out >= 0 else None,
    )


def verdict(game: Game, res: SimulationResult, baseline_runs: int = 200) -> Verdict:
    """The player's outcome against the historical-choice runs, and what each choice did."""
    s = load_scenario(game.scenario)
    c = compile_scenario(s)
    i = c.index(game.actor)
    in_exec, power, _, out_played = _fate(res, i)
    dom = int(res.outcomes.dominant_end[0])
    own = [d for d in s.decisions if d.actor == game.actor]
    history = ForcedChoice(s, {d.id: d.historical for d in own})
    base = simulate(c, baseline_runs, game.seed, None, history, False)
    last = last_month(res, i)  # the baseline is judged at the same month
    gone = departure(res, i)
    mattered = []
    for d in own:
        chosen = game.answers.get(d.id)
        if chosen is None or chosen == d.historical:
            continue
        flipped = Game(game.actor, game.seed, game.run, game.scenario, dict(game.answers))
        flipped.answers[d.id] = d.historical
        alt = replay_lenient(flipped)
        _, alt_power, alt_fate, alt_out = _fate(alt, i)
        labels = {o.id: o.label for o in d.options}
        mattered.append(
            Mattered(
                d.id,
                chosen,
                d.historical,
                power - alt_power,
                out_played,
                alt_out,
                alt_fate,
                d.question,
                labels[chosen],
                labels[d.historical],
            )
        )
    return Verdict(
        actor=game.actor,
        in_executive=in_exec,
        dominant=c.names[dom] if dom >= 0 else None,
        power=power,
        baseline_in_executive=float(base.history.executive[:, last, i].mean()),
        baseline_dominant=float((base.outcomes.dominant_end == i).mean()),
        baseline_runs=baseline_runs,
        mattered=sorted(mattered, key=lambda m: -abs(m.power_change)),
        judged=c.label(last),
        gone=gone.text if gone else None,
        decided=len(own_decisions(game, res)),
    )


def replay_lenient(game: Game) -> SimulationResult:
    """A replay in which decisions the original game never reached follow history."""
    s = load_scenario(game.scenario)
    hist = {d.id: d.historical for d in s.decisions}
    return play(
        game, lambda situation: game.answers.get(situation.decision, hist[situation.decision])
    )
