"""Decisions that can do what history did: hang on an event, depend on earlier choices
and on offices held, move lines, salience and mood, and censure or sanction anyone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

import apparat
from apparat.engine import compile_scenario, simulate
from apparat.engine.compiled import month_index
from apparat.engine.simulate import SimulationResult
from apparat.experiments import interventions
from apparat.policies import ForcedChoice
from apparat.scenario.models import Scenario

DATA = Path(__file__).parents[1] / "data" / "synthetic_rules.yaml"


def due(s: Scenario, decision: str) -> int | None:
    c = compile_scenario(s)
    months = [m for m, ds in c.decisions.items() if any(d.id == decision for d in ds)]
    return months[0] if months else None


def test_a_decision_hangs_on_the_event_it_needs(bolshevik: Scenario) -> None:
    """Move Lenin's death to 1926 and the funeral and Testament decisions wait for it;
    drop it and they never fall due; his own decision lapses once his stroke comes."""
    start = bolshevik.scenario.start
    assert due(bolshevik, "trotsky.lenin_funeral") == month_index(start, "1924-01")
    shifted = interventions.apply(
        bolshevik, interventions.parse(shift=["lenin_death=1926-01"])
    ).scenario
    month = month_index(start, "1926-01")
    assert due(shifted, "trotsky.lenin_funeral") == month
    assert due(shifted, "politburo.testament") == month
    dropped = interventions.apply(bolshevik, interventions.parse(drop=["lenin_death"])).scenario
    assert due(dropped, "trotsky.lenin_funeral") is None
    early = interventions.apply(
        bolshevik, interventions.parse(shift=["lenin_stroke_1923=1922-12"])
    ).scenario
    assert due(early, "lenin.bloc_with_trotsky") is None


def with_decisions(tmp_path: Path, extra: list[dict[str, Any]]) -> Scenario:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    data["rules"]["force"]["arrest"] = False
    data["rules"]["sanctions"] = [
        s for s in data["rules"]["sanctions"] if "force" not in s["imposed_by"]
    ]
    data["decisions"] += extra
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return apparat.load_scenario(path)


def option(oid: str, effects: dict[str, Any]) -> dict[str, Any]:
    return {"id": oid, "label": oid, "description": oid, "effects": effects, "cite": "R1 p. 6"}


def test_an_option_censures_a_second_rank_actor_and_moves_the_party(tmp_path: Path) -> None:
    """Anna's speech censures Egor (second rank) in the CC she leads, shifts
    her own line, the salience of the economy and the party's mood; only where chosen."""
    speech = {
        "id": "anna.speech",
        "actor": "anna",
        "date": "1960-02",
        "question": "Does Anna denounce Egor?",
        "historical": "denounce",
        "options": [
            option(
                "denounce",
                {
                    "motion": "censure",
                    "target": "egor",
                    "body": "cc",
                    "authority": 1.0,
                    "position": {"economy": -0.3},
                    "salience": {"economy": 0.5},
                    "mood": {"economy": -0.4},
                },
            ),
            option("silent", {}),
        ],
        "cite": "R1 p. 6",
    }
    s = with_decisions(tmp_path, [speech])
    quiet = {"clara.organise": "quiet", "dmitri.organise": "quiet"}

    def after(choice: str) -> SimulationResult:
        forced = ForcedChoice(s, {**quiet, "anna.speech": choice})
        return simulate(s, runs=20, seed=1, until="1960-02", chronicle=False, policy_=forced)

    yes, no = after("denounce"), after("silent")
    egor = yes.compiled.index("egor")
    assert (yes.history.sanction[:, -1, egor] == 1).mean() > 0.5
    assert (no.history.sanction[:, -1, egor] == 0).all()
    assert (yes.history.line[:, -1, 0] <= no.history.line[:, -1, 0]).all()


def test_a_decision_depends_on_earlier_choices_and_offices(tmp_path: Path) -> None:
    """Boris's follow-up falls due only where Clara organised and Boris holds the guard."""
    follow = {
        "id": "boris.follow_up",
        "actor": "boris",
        "date": "1960-03",
        "question": "Does Boris answer Clara's platform?",
        "historical": "answer",
        "requires": {"chosen": {"clara.organise": "open"}, "holds": ["guard"]},
        "options": [option("answer", {}), option("ignore", {})],
        "cite": "R1 p. 6",
    }
    s = with_decisions(tmp_path, [follow])
    for clara, expect in (("open", True), ("quiet", False)):
        res = simulate(
            s, runs=10, seed=2, chronicle=False, policy_=ForcedChoice(s, {"clara.organise": clara})
        )
        took = res.outcomes.choices["boris.follow_up"] >= 0
        assert took.all() if expect else not took.any()
    data = yaml.safe_load((tmp_path / "scenario.yaml").read_text(encoding="utf-8"))
    data["offices"][1]["holder"] = "anna"
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    s2 = apparat.load_scenario(tmp_path / "other.yaml")
    res = simulate(
        s2, runs=10, seed=2, chronicle=False, policy_=ForcedChoice(s2, {"clara.organise": "open"})
    )
    assert not (res.outcomes.choices["boris.follow_up"] >= 0).any()
    assert np.array_equal(res.outcomes.runs, np.arange(10))
