"""The play endpoints: a stateless game replayed step by step, one decision at a time."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from apparat.experiments.play import Game, play, replay
from apparat.policies.interactive import Situation
from apparat.scenario import load_scenario

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

ACTOR = "trotsky"
SEED = 1
BASELINE = 10


@pytest.fixture(scope="module")
def historical() -> dict[str, str]:
    s = load_scenario("bolshevik_1923")
    return {d.id: d.historical for d in s.decisions if d.actor == ACTOR}


@pytest.fixture(scope="module")
def asked(historical: dict[str, str]) -> list[Situation]:
    """The situations the terminal game shows when the player always chooses as history."""
    seen: list[Situation] = []

    def ask(s: Situation) -> str:
        seen.append(s)
        return s.historical

    play(Game(ACTOR, SEED), ask)
    return seen


def step(client: TestClient, answers: dict[str, str], **extra: Any) -> Any:
    body = {"actor": ACTOR, "seed": SEED, "answers": answers, "baseline_runs": BASELINE, **extra}
    return client.post("/api/play/step", json=body)


def test_actors_lists_the_playable_contenders(client: TestClient) -> None:
    """GET /api/play/actors names each actor with decisions of his own."""
    r = client.get("/api/play/actors", params={"scenario": "bolshevik_1923"})
    assert r.status_code == 200
    actors = {a["id"]: a["name"] for a in r.json()}
    assert actors["trotsky"] == "Leon Trotsky"
    assert actors["stalin"] == "Joseph Stalin"  # his own junctures since issue 12
    assert "molotov" not in actors  # no decision of his own


def test_first_step_is_a_decision_without_historys_option(
    client: TestClient, asked: list[Situation]
) -> None:
    """The first step answers Trotsky's first decision with the world he sees, and no hint
    of what history chose."""
    r = step(client, {})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "decision"
    assert body["answered"] == 0
    assert body["revealed"] is None
    assert body["verdict"] is None
    sit = body["situation"]
    assert sit["decision"] == asked[0].decision
    assert sit["date"] == asked[0].date
    assert [o["id"] for o in sit["options"]] == [o.id for o in asked[0].options]
    assert all(o["cites"] and o["cites"][0]["source"].startswith("S") for o in sit["options"])
    assert sit["leaders"]
    assert sit["offices"]
    assert sit["recent"]
    assert "historical" not in sit
    assert all("historical" not in o for o in sit["options"])


def test_historys_answers_play_to_the_same_end_as_replay(
    client: TestClient, asked: list[Situation], historical: dict[str, str]
) -> None:
    """Answering as history at each step reaches the verdict with the same final state as
    ``replay``, each step showing the terminal's situation and revealing history's choice."""
    answers: dict[str, str] = {}
    for n, expected in enumerate(asked):
        body = step(client, answers).json()
        assert body["status"] == "decision"
        sit = body["situation"]
        assert (sit["decision"], sit["date"], sit["question"]) == (
            expected.decision,
            expected.date,
            expected.question,
        )
        assert [e["text"] for e in sit["recent"]] == [e.text for e in expected.recent]
        assert [(x["name"], x["power"]) for x in sit["leaders"]] == [
            (name, round(p, 4)) for name, p, _ in expected.leaders
        ]
        answers[expected.decision] = historical[expected.decision]
        if n:
            assert body["revealed"]["decision"] == asked[n - 1].decision
    body = step(client, answers).json()
    assert body["status"] == "over"
    assert body["revealed"]["historical"] == body["revealed"]["chosen"]
    res = replay(Game(ACTOR, SEED, answers=dict(answers)))
    c = res.compiled
    last = res.months - 1
    summary, verdict = body["summary"], body["verdict"]
    assert summary["events"] == len(res.chronicle)
    assert summary["month"] == c.label(last)
    assert summary["final_power"] == {
        c.names[a]: round(float(res.history.power[0, last, a]), 4)
        for a in range(len(c.actors))
        if c.contender[a]
    }
    dom = int(res.outcomes.dominant_end[0])
    assert verdict["dominant"] == (c.names[dom] if dom >= 0 else None)
    assert verdict["in_executive"] == bool(res.history.executive[0, last, c.index(ACTOR)])
    assert verdict["baseline_runs"] == BASELINE
    assert verdict["mattered"] == []


def test_the_same_answers_give_the_same_situation(client: TestClient) -> None:
    """A game is deterministic: the same seed and answers give the same situation again."""
    answers = {"trotsky.xii_congress": "attack"}
    first, again = step(client, answers).json(), step(client, answers).json()
    assert first == again
    assert first["revealed"]["historical_label"] == "Accept the truce"
    assert first["revealed"]["chosen"] == "attack"


def test_a_choice_against_history_is_weighed_in_the_verdict(
    client: TestClient, historical: dict[str, str]
) -> None:
    """Choosing otherwise than history lists that decision among the choices weighed."""
    answers = dict(historical, **{"trotsky.xii_congress": "attack"})
    body = step(client, answers).json()
    assert body["status"] == "over"
    assert [m["decision"] for m in body["verdict"]["mattered"]] == ["trotsky.xii_congress"]


@pytest.mark.parametrize(
    ("extra", "field", "needle"),
    [
        ({"actor": "molotov"}, "actor:", "trotsky"),
        ({"answers": {"trotsky.xii_congress": "flee"}}, "answers:", "attack, truce"),
        ({"answers": {"lenin.bloc_with_trotsky": "form_bloc"}}, "answers:", "not a decision"),
        ({"seed": -1}, "seed:", "greater than"),
        ({"baseline_runs": 5000}, "baseline_runs:", "less than"),
        ({"scenario": "../etc"}, "scenario:", "pattern"),
    ],
)
def test_bad_input_is_refused_with_a_message(
    client: TestClient, extra: dict[str, Any], field: str, needle: str
) -> None:
    """An unknown actor, decision or option, or an out-of-range number is a 422 naming it."""
    body = {"actor": ACTOR, "seed": SEED, "answers": {}, **extra}
    r = client.post("/api/play/step", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail.startswith(field), detail
    assert needle in detail, detail


def test_unknown_scenario_is_404(client: TestClient) -> None:
    """A scenario that is not bundled is a 404 for the actor list and the step alike."""
    assert client.get("/api/play/actors", params={"scenario": "nowhere"}).status_code == 404
    r = client.post("/api/play/step", json={"scenario": "nowhere", "actor": ACTOR})
    assert r.status_code == 404


def test_the_step_after_a_decision_shows_what_it_did(client: TestClient) -> None:
    """Attack Stalin at the XII Congress and win (seed 3): the next situation's events start
    with that decision and show the vote and Trotsky taking the Secretariat in April 1923."""
    r = step(client, {"trotsky.xii_congress": "attack"}, seed=3)
    assert r.status_code == 200, r.text
    recent = r.json()["situation"]["recent"]
    april = [e["text"] for e in recent if e["date"] == "1923-04"]
    assert any(e["kind"] == "decision" and "Attack Stalin" in e["text"] for e in recent)
    assert any("Trotsky takes the office of General Secretary" in t for t in april)
    assert any("removed as General Secretary" in t and "carried" in t for t in april)


def test_the_last_step_shows_what_the_last_decision_did(
    client: TestClient, historical: dict[str, str]
) -> None:
    """At the end, the events from the last decision on come with the verdict."""
    body = step(client, dict(historical)).json()
    assert body["status"] == "over"
    after = body["aftermath"]
    assert after[0]["kind"] == "decision"
    assert "Bukharin" in after[0]["text"]
    assert after[-1]["date"] <= body["summary"]["month"]


def test_lenin_is_judged_before_his_stroke(client: TestClient) -> None:
    """A player who leaves play is judged when he leaves, and the verdict says how."""
    body = {"actor": "lenin", "seed": 1, "answers": {}, "baseline_runs": BASELINE}
    first = client.post("/api/play/step", json=body).json()
    assert first["situation"]["decision"] == "lenin.bloc_with_trotsky"
    body["answers"] = {
        "lenin.bloc_with_trotsky": "form_bloc",
        "lenin.letter_1923": "letter_to_congress",
    }
    v = client.post("/api/play/step", json=body).json()["verdict"]
    assert v["judged"] == "1923-02"
    assert "stroke" in v["gone"]
    assert v["decided"] == 2
