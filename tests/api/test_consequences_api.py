"""POST /api/consequences: per-arm consequences of a what-if, paired with the factual
arm, the imposed lines beside them, and the record; a scenario without data says so."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from apparat.economy import load_economy, programme_lines, simulate_economy
from apparat.economy.tables import FAN_SERIES

RUNS = 15


@pytest.fixture(scope="module")
def answer(client: Any) -> dict[str, Any]:
    r = client.post(
        "/api/consequences",
        json={"runs": RUNS, "seed": 2, "do": {"trotsky.xii_congress": "attack"}},
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_every_arm_has_headline_bands_and_the_whatif_a_paired_difference(
    answer: dict[str, Any],
) -> None:
    """Factual, what-if and the three imposed lines; differences only against factual."""
    ids = [a["id"] for a in answer["arms"]]
    assert ids[:2] == ["factual", "counterfactual"]
    assert set(ids[2:]) == {f"line:{p}" for p in load_economy().programmes}
    assert all(a["imposed"] == a["id"].startswith("line:") for a in answer["arms"])
    for row in answer["headline"]:
        by_arm = {a["arm"]: a for a in row["arms"]}
        assert by_arm["factual"]["difference"] is None
        assert by_arm["counterfactual"]["difference"] is not None
        for a in row["arms"]:
            v = a["value"]
            assert v["low"] <= v["median"] <= v["high"]


def test_fans_are_ordered_quantiles_with_the_record(answer: dict[str, Any]) -> None:
    """Each key series: q10 <= q25 <= q50 <= q75 <= q90 each year, and the record."""
    assert [s["id"] for s in answer["series"]] == list(FAN_SERIES)
    for s in answer["series"]:
        assert s["years"][0] == 1928
        assert s["years"][-1] == 1941
        assert s["record"], s["id"]
        for arm in s["arms"]:
            q = np.array([arm[k] for k in ("q10", "q25", "q50", "q75", "q90")])
            assert (np.diff(q, axis=0) >= -1e-9).all()


def test_an_imposed_line_is_the_model_under_that_line_on_the_same_runs(
    answer: dict[str, Any],
) -> None:
    """The line's median harvest is the consequences model's under that line, runs 0..n-1."""
    data = load_economy()
    cons = simulate_economy(data, programme_lines(data, "nep_continued", RUNS), 2)
    want = np.median(cons.values["grain_harvest"], axis=0)
    harvest = next(s for s in answer["series"] if s["id"] == "grain_harvest")
    got = next(a for a in harvest["arms"] if a["arm"] == "line:nep_continued")["q50"]
    np.testing.assert_allclose(got, want, atol=1e-3)


def test_a_scenario_without_consequences_data_is_answered_with_a_note(client: Any) -> None:
    """china_1976: available false, nothing simulated, the note names the scenario."""
    r = client.post("/api/consequences", json={"scenario": "china_1976", "runs": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["available"] is False
    assert body["arms"] == []
    assert "china_1976" in body["note"]


def test_a_bad_request_names_the_field(client: Any) -> None:
    """Runs over the cap are refused with a message naming the field."""
    r = client.post("/api/consequences", json={"runs": 5000})
    assert r.status_code == 422
    assert "runs" in r.json()["detail"]
