"""The web API: what it answers, how it refuses bad input, and the page it serves."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from typer.testing import CliRunner

import apparat
from apparat.api import create_app
from apparat.api.models import MAX_RUNS
from apparat.cli import app as cli_app
from apparat.experiments import interventions
from apparat.scenario.sources import Source

with warnings.catch_warnings():
    # Newer Starlette asks for the httpx2 package and warns when it finds httpx instead;
    # either works for the test client.
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

ATTACK = {"trotsky.xii_congress": "attack"}
RUNS = 100
BASE_URL = "http://127.0.0.1"  # a Host header the server answers to


@pytest.fixture(scope="module")
def attack(client: TestClient) -> dict[str, Any]:
    """One experiment shared by the tests that read its answer."""
    r = client.post("/api/experiment", json={"runs": RUNS, "seed": 1, "do": ATTACK})
    assert r.status_code == 200, r.text
    return dict(r.json())


def detail(r: Any) -> str:
    body = r.json()
    assert isinstance(body["detail"], str), body
    return str(body["detail"])


# ------------------------------------------------------------------ scenarios


def test_scenarios_lists_the_bundled_scenario(client: TestClient) -> None:
    """GET /api/scenarios lists each bundled scenario with its id, title and period."""
    r = client.get("/api/scenarios")
    assert r.status_code == 200
    (s,) = [x for x in r.json() if x["id"] == "bolshevik_1923"]
    assert (s["start"], s["end"]) == ("1922-12", "1930-12")
    assert "Lenin" in s["title"]


def test_decisions_give_options_history_and_sources(client: TestClient) -> None:
    """Each decision lists its options, marks the one history took, and cites sources."""
    r = client.get("/api/scenarios/bolshevik_1923/decisions")
    assert r.status_code == 200
    decisions = {d["id"]: d for d in r.json()}
    xii = decisions["trotsky.xii_congress"]
    assert xii["historical"] == "truce"
    assert xii["actor_name"] == "Leon Trotsky"
    assert {o["id"] for o in xii["options"]} == {"attack", "truce"}
    assert [o["id"] for o in xii["options"] if o["historical"]] == ["truce"]
    assert all(c.startswith("S") and ":" in c for c in xii["cites"])
    assert all(o["cites"] for d in decisions.values() for o in d["options"])


def test_parameters_give_the_scenarios_values_within_their_ranges(client: TestClient) -> None:
    """The key structural parameters come with the scenario's value inside their range."""
    r = client.get("/api/scenarios/bolshevik_1923/parameters")
    assert r.status_code == 200
    params = {p["name"]: p for p in r.json()}
    assert set(params) == {
        "turnover_per_year",
        "oversight",
        "appointment_skill",
        "delegate_control",
        "faction_ban",
        "threat_threshold",
    }
    s = apparat.load_scenario("bolshevik_1923")
    for name, p in params.items():
        assert p["low"] <= p["value"] <= p["high"]
        assert p["value"] == s.parameters[name].value


# ------------------------------------------------------------------ experiment


def test_forced_attack_changes_the_shares_and_intervals_hold_them(attack: dict[str, Any]) -> None:
    """Forcing Trotsky's attack changes who wins, and every interval contains its share."""
    assert attack["runs"] == RUNS
    assert attack["arms"] == ["factual", "counterfactual"]
    assert any(r["factual"]["share"] != r["counterfactual"]["share"] for r in attack["dominance"])
    for r in attack["dominance"]:
        for arm in ("factual", "counterfactual"):
            assert r[arm]["low"] <= r[arm]["share"] <= r[arm]["high"]
        d = r["difference"]
        assert d["low"] <= d["value"] <= d["high"]
        assert d["value"] == pytest.approx(r["counterfactual"]["share"] - r["factual"]["share"])
    for arm in ("factual", "counterfactual"):
        assert sum(r[arm]["share"] for r in attack["dominance"]) == pytest.approx(1.0)


def test_power_quantiles_are_ordered_and_span_every_month(attack: dict[str, Any]) -> None:
    """Each contender's power quantiles cover every month and are ordered q05 ≤ … ≤ q95."""
    power = attack["power"]
    assert power["months"][0] == "1922-12"
    assert power["months"][-1] == "1930-12"
    assert {a["id"] for a in power["actors"]} >= {"stalin", "trotsky", "bukharin"}
    for a in power["actors"]:
        for arm in ("factual", "counterfactual"):
            q = a[arm]
            assert all(len(q[k]) == len(power["months"]) for k in q)
            for lo, hi in zip(
                ("q05", "q25", "q50", "q75"), ("q25", "q50", "q75", "q95"), strict=False
            ):
                assert all(x <= y for x, y in zip(q[lo], q[hi], strict=True))


def test_experiment_agrees_with_the_python_api(attack: dict[str, Any]) -> None:
    """The API's shares and differences are those of apparat.Experiment on the same runs."""
    exp = apparat.Experiment(
        "bolshevik_1923",
        runs=RUNS,
        seed=1,
        arms={"counterfactual": interventions.parse(do=["trotsky.xii_congress=attack"])},
        store=None,
    ).run()
    s = exp.summary_[exp.summary_["outcome"] == "dominant_end"]
    d = exp.differences_[exp.differences_["outcome"] == "dominant_end"]
    for r in attack["dominance"]:
        value = "no one" if r["actor"] == "none" else r["actor"]
        for arm in ("factual", "counterfactual"):
            row = s[(s["arm"] == arm) & (s["value"] == value)]
            expected = float(row["estimate"].iloc[0]) if len(row) else 0.0
            assert r[arm]["share"] == pytest.approx(expected)
        diff = d[d["value"] == value]
        assert r["difference"]["value"] == pytest.approx(float(diff["difference"].iloc[0]))
    # both draw each run's parameters from the same place: the posterior the scenario ships
    assert attack["parameters"] == exp.get_params()["parameters"]


def test_a_changed_parameter_is_applied_to_the_what_if_only(client: TestClient) -> None:
    """Setting Politburo oversight high changes the what-if world, not the factual one."""
    base = client.post("/api/experiment", json={"runs": 40, "seed": 2}).json()
    r = client.post(
        "/api/experiment", json={"runs": 40, "seed": 2, "set": {"oversight": 1.0}}
    ).json()
    assert r["set"] == {"oversight": 1.0}
    assert r["dominance"] != base["dominance"]
    # the factual arm is the same world: every actor's share is the same (one listed in
    # only one reply, because the what-if arm gives it runs there, holds 0 in both)
    facts = {x["actor"]: x["factual"]["share"] for x in r["dominance"]}
    before = {x["actor"]: x["factual"]["share"] for x in base["dominance"]}
    for actor in facts.keys() | before.keys():
        assert facts.get(actor, 0.0) == before.get(actor, 0.0), actor


def test_a_single_run_gives_no_difference_interval(client: TestClient) -> None:
    """With one run the paired difference has no interval: null, not NaN or an error."""
    r = client.post("/api/experiment", json={"runs": 1, "do": ATTACK})
    assert r.status_code == 200
    assert all(x["difference"]["low"] is None for x in r.json()["dominance"])


# ------------------------------------------------------------------ bad input


def test_unknown_decision_is_refused_by_name(client: TestClient) -> None:
    """An unknown decision is a 422 whose message names the field and the decision."""
    r = client.post("/api/experiment", json={"runs": 5, "do": {"trotsky.xiv_congress": "attack"}})
    assert r.status_code == 422
    assert detail(r).startswith("do: ")
    assert "trotsky.xiv_congress" in detail(r)


def test_unknown_option_lists_the_valid_ones(client: TestClient) -> None:
    """An option a decision does not have is a 422 that lists the options it has."""
    r = client.post("/api/experiment", json={"runs": 5, "do": {"trotsky.xii_congress": "flee"}})
    assert r.status_code == 422
    assert "flee" in detail(r)
    assert "attack" in detail(r)


def test_parameter_out_of_range_is_refused(client: TestClient) -> None:
    """A parameter outside its range is a 422 naming the parameter and its range."""
    r = client.post("/api/experiment", json={"runs": 5, "set": {"oversight": 3}})
    assert r.status_code == 422
    assert "oversight" in detail(r)
    assert "[0, 1]" in detail(r)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"runs": MAX_RUNS + 1}, "runs", id="runs-over-cap"),
        pytest.param({"runs": 0}, "runs", id="no-runs"),
        pytest.param({"seed": -1}, "seed", id="negative-seed"),
        pytest.param({"runs": "many"}, "runs", id="runs-not-a-number"),
        pytest.param({"bogus": 1}, "bogus", id="unknown-field"),
        pytest.param({"set": {"oversight": "high"}}, "set.oversight", id="value-not-a-number"),
        pytest.param(
            {"set": {f"stalin.{t}": 0.5 for t in ("prestige", "organisation", "intrigue")}}
            | {"do": {f"d{i}.x": "y" for i in range(8)}},
            "at most 10 interventions",
            id="too-many-interventions",
        ),
    ],
)
def test_invalid_fields_are_422_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    """An invalid request field is a 422 with a message that names the field."""
    r = client.post("/api/experiment", json=body)
    assert r.status_code == 422
    assert field in detail(r)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        pytest.param("/api/experiment", {"seed": False}, "seed", id="seed-false"),
        pytest.param("/api/experiment", {"runs": True}, "runs", id="runs-true"),
        pytest.param("/api/experiment", {"runs": "1000"}, "runs", id="runs-a-string"),
        pytest.param("/api/experiment", {"runs": 10.5}, "runs", id="runs-a-fraction"),
        pytest.param(
            "/api/experiment", {"set": {"oversight": True}}, "set.oversight", id="value-true"
        ),
        pytest.param(
            "/api/experiment", {"set": {"oversight": "0.5"}}, "set.oversight", id="value-a-string"
        ),
        pytest.param(
            "/api/play/step", {"actor": "trotsky", "seed": "1"}, "seed", id="play-seed-a-string"
        ),
        pytest.param(
            "/api/play/step",
            {"actor": "trotsky", "baseline_runs": True},
            "baseline_runs",
            id="play-baseline-true",
        ),
    ],
)
def test_a_number_must_be_a_json_number(
    client: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    """A boolean or a string where a number belongs is a 422 naming the field, never read
    as 0, 1 or the number the string spells."""
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    assert detail(r).startswith(f"{field}: ")


def test_numbers_are_read_as_json_schema_reads_them(client: TestClient) -> None:
    """An integer is a number (``{"oversight": 1}`` sets 1.0) and a number without a
    fraction an integer (``"runs": 2.0`` is 2), as the OpenAPI schema says."""
    r = client.post("/api/experiment", json={"runs": 2.0, "set": {"oversight": 1}})
    assert r.status_code == 200, r.text
    assert (r.json()["runs"], r.json()["set"]) == (2, {"oversight": 1.0})


def test_an_undecodable_body_is_a_documented_400(client: TestClient) -> None:
    """A body that is not UTF-8 is answered 400 with a message, a status the schema lists."""
    r = client.post(
        "/api/experiment", content=b'{"runs": "\xff"}', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert "body" in detail(r)
    schema = client.get("/openapi.json").json()
    assert "400" in schema["paths"]["/api/experiment"]["post"]["responses"]


def test_malformed_json_is_refused_with_a_message(client: TestClient) -> None:
    """A body that is not JSON is a 422 that says the JSON is malformed."""
    r = client.post(
        "/api/experiment", content=b'{"runs": 10,', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert "malformed JSON" in detail(r)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_over_64_kb_is_413(client: TestClient, chunked: bool) -> None:
    """A body over 64 KB is refused with 413, whether or not it declares its length."""
    big = json.dumps({"runs": 5, "pad": "x" * 70_000}).encode()
    content: Any = iter([big[:40_000], big[40_000:]]) if chunked else big
    r = client.post(
        "/api/experiment", content=content, headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    assert "too large" in detail(r)


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/api/scenarios/atlantis/decisions", None),
        ("GET", "/api/scenarios/atlantis/parameters", None),
        ("POST", "/api/experiment", {"scenario": "atlantis", "runs": 5}),
        ("POST", "/api/consequences", {"scenario": "atlantis", "runs": 5}),
        ("GET", "/api/run?scenario=atlantis", None),
    ],
)
def test_unknown_scenario_is_404(
    client: TestClient, method: str, url: str, body: dict[str, Any] | None
) -> None:
    """An unknown scenario is a 404 that names it and lists the bundled ones."""
    r = client.request(method, url, json=body)
    assert r.status_code == 404
    assert "atlantis" in detail(r)
    assert "bolshevik_1923" in detail(r)


def test_a_scenario_name_is_never_a_path(client: TestClient) -> None:
    """A path in place of a scenario name is refused, never loaded from disk."""
    r = client.get("/api/run", params={"scenario": "src/apparat/scenarios/bolshevik_1923"})
    assert r.status_code == 404


def test_a_slow_simulation_is_answered_503(client: TestClient) -> None:
    """A simulation that outlasts the time limit is answered 503 with a message."""
    with TestClient(create_app(time_limit=0.001), base_url=BASE_URL) as slow:
        r = slow.post("/api/experiment", json={"runs": 1})
    assert r.status_code == 503
    assert "limit" in detail(r)


# ------------------------------------------------------------------ run explorer


def test_run_explorer_gives_each_month_and_cited_events(client: TestClient) -> None:
    """One run: offices, blocs and power for every month, and events citing their sources."""
    r = client.get("/api/run", params={"seed": 1, "do": "trotsky.xii_congress=attack"})
    assert r.status_code == 200, r.text
    run = r.json()
    assert run["do"] == ATTACK
    assert len(run["by_month"]) == len(run["months"]) == 97
    offices = [o["id"] for o in run["offices"]]
    first = run["by_month"][0]
    assert len(first["holders"]) == len(offices)
    assert first["holders"][offices.index("general_secretary")] == "stalin"
    assert sum(first["power"].values()) == pytest.approx(1.0, abs=0.01)
    titles = {c["title"] for e in run["events"] for c in e["cites"]}
    assert titles
    assert all(titles)
    cited = [e for e in run["events"] if e["cites"]]
    assert cited
    # a local document is cited by line; a reference page (the calendar's dates) by address
    cites = [c for e in cited for c in e["cites"]]
    assert all((c["line"] or 0) >= 1 or (c["url"] or "").startswith("http") for c in cites)
    assert any((c["line"] or 0) >= 1 for c in cites)
    assert any(c["url"] for c in cites), "no event cites a reference page with its address"
    decision = next(e for e in run["events"] if e["kind"] == "decision" and e["date"] == "1923-04")
    assert "Attack" in decision["text"]
    assert any(b["ruling"] for m in run["by_month"] for b in m["blocs"])


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"do": "trotsky.xii_congress"}, "DECISION=OPTION"),
        ({"do": "nobody.nothing=x"}, "nobody.nothing"),
        ({"seed": "x"}, "seed"),
        ({"do": [f"d{i}=x" for i in range(11)]}, "do"),
    ],
)
def test_run_explorer_refuses_bad_input(
    client: TestClient, params: dict[str, Any], needle: str
) -> None:
    """A malformed or unknown forced decision or seed is a 422 that names it."""
    r = client.get("/api/run", params=params)
    assert r.status_code == 422
    assert needle in detail(r)


# ------------------------------------------------------------------ schema, page, command


def test_openapi_schema_lists_the_endpoints(client: TestClient) -> None:
    """The OpenAPI schema documents every API endpoint with typed requests and answers."""
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/scenarios",
        "/api/scenarios/{scenario}/decisions",
        "/api/scenarios/{scenario}/parameters",
        "/api/experiment",
        "/api/consequences",
        "/api/run",
        "/api/play/actors",
        "/api/play/step",
    }
    post = schema["paths"]["/api/experiment"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ExperimentRequest"
    )
    assert {"200", "400", "404", "413", "422", "429", "503"} <= set(post["responses"])
    assert "Retry-After" in post["responses"]["429"]["headers"]
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            assert {"400", "413"} <= set(op["responses"]), (method, path)
            simulates = path in (
                "/api/experiment",
                "/api/consequences",
                "/api/run",
                "/api/play/step",
            )
            assert ("429" in op["responses"]) == simulates, (method, path)
    runs = schema["components"]["schemas"]["ExperimentRequest"]["properties"]["runs"]
    assert runs["maximum"] == MAX_RUNS


def test_page_and_its_assets_are_served_from_the_package(client: TestClient) -> None:
    """The page, its script, style and Plotly come from this server, under a strict CSP."""
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="dominance-table"' in page.text
    assert "http://" not in page.text
    assert "https://" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/style.css"):
        assert client.get(asset).status_code == 200
    plotly = client.get("/static/plotly.min.js")
    assert plotly.status_code == 200
    assert "javascript" in plotly.headers["content-type"]
    assert len(plotly.content) > 1_000_000


def test_serve_refuses_a_public_address_without_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """`apparat serve --host 0.0.0.0` refuses unless --public is given; localhost serves."""
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(
        uvicorn.Server, "run", lambda self: calls.append(vars(self.config)), raising=True
    )
    runner = CliRunner()
    refused = runner.invoke(cli_app, ["serve", "--host", "0.0.0.0"])
    assert refused.exit_code == 2
    assert "--public" in refused.output
    assert calls == []
    ok = runner.invoke(cli_app, ["serve", "--port", "8123"])
    assert ok.exit_code == 0, ok.output
    public = runner.invoke(cli_app, ["serve", "--host", "0.0.0.0", "--public"])
    assert public.exit_code == 0, public.output
    assert [(c["host"], c["port"]) for c in calls] == [("127.0.0.1", 8123), ("0.0.0.0", 8000)]


def test_a_citation_carries_its_place_and_a_web_source_its_address() -> None:
    """A stored citation reaches the page with its line, page or section, the title of
    its document, and the address of a web source to link to."""
    from apparat.api.app import _citation

    docs = {
        "S1": Source(id="S1", title="A file", language="en", file="s1.txt"),
        "mac": Source(id="mac", kind="book", title="A book", language="en"),
        "wiki": Source(
            id="wiki", kind="web", title="A page", language="en", url="https://example.org/p"
        ),
    }
    line = _citation("S1:266-267 'q'", docs)
    assert (line.line, line.end_line, line.quote, line.title, line.url) == (
        266, 267, "q", "A file", None
    )  # fmt: skip
    page = _citation("mac pp. 4-5", docs)
    assert (page.line, page.page, page.end_page, page.title) == (None, 4, 5, "A book")
    section = _citation("wiki §Downfall 'q'", docs)
    assert (section.section, section.url) == ("Downfall", "https://example.org/p")
    whole = _citation("wiki", docs)
    assert (whole.line, whole.page, whole.section, whole.url) == (
        None, None, None, "https://example.org/p"
    )  # fmt: skip


def test_the_application_answers_only_to_loopback_names(client: TestClient) -> None:
    """By default the application answers to localhost, 127.0.0.1 and [::1] on any port;
    a page that rebinds its own name to 127.0.0.1 is refused with a 400 that says why."""
    for host in ("localhost:5173", "127.0.0.1", "[::1]:8000"):
        assert client.get("/api/scenarios", headers={"host": host}).status_code == 200
    for host in ("attacker.example", "attacker.example:8000", "localhost.attacker.example"):
        r = client.get("/", headers={"host": host})
        assert r.status_code == 400, host
        assert "DNS-rebinding" in detail(r)
