"""The API against its own OpenAPI schema: Schemathesis generates requests from the schema,
valid and invalid, and sends them to a live server. No answer may be a 5xx, and every
answer must be one the schema documents (status code, content type, headers, body).

Examples are bounded (``EXAMPLES`` per operation and kind) and derandomized, so the run
is the same on every machine and takes well under a minute; experiments are sent with at
most ``MAX_RUNS`` runs (the engine's cost, not the API's behaviour, grows with runs).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from live import live_server

from apparat.api import create_app

schemathesis = pytest.importorskip("schemathesis")

EXAMPLES = 25
MAX_RUNS = 20
# Schema-valid requests can still be refused for what the schema cannot say (an unknown
# decision or parameter name is a 422), so "valid data is accepted" is not checked.
NOT_CHECKED = ["positive_data_acceptance"]
RUNS_FIELD = {
    "/api/experiment": ("runs", 1),
    "/api/consequences": ("runs", 1),
    "/api/play/step": ("baseline_runs", 10),
}

SCHEMA = create_app().openapi()
OPERATIONS = [
    (f"{method.upper()} {path}", kind)
    for path, methods in SCHEMA["paths"].items()
    for method, op in methods.items()
    # An operation without parameters or body has no invalid request to send.
    for kind in (
        ["positive", "negative"] if op.get("parameters") or op.get("requestBody") else ["positive"]
    )
]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """uvicorn serving the application (worker processes and all) on a free local port."""
    with live_server(wait=30) as base:
        yield base


def bounded(case: Any) -> None:
    """Keep a valid experiment or game cheap: at most ``MAX_RUNS`` runs (still valid),
    also where the default (200 runs) would apply."""
    field, low = RUNS_FIELD.get(case.operation.path, (None, 0))
    if field is None or not isinstance(case.body, dict):
        return
    value = case.body.get(field, MAX_RUNS)
    if isinstance(value, int | float) and not isinstance(value, bool):
        case.body[field] = max(low, min(int(value), MAX_RUNS))


@pytest.mark.parametrize(("operation", "kind"), OPERATIONS, ids=[f"{o} {k}" for o, k in OPERATIONS])
def test_answers_conform_to_the_schema_and_none_is_a_5xx(
    server: str, operation: str, kind: str
) -> None:
    """Generated requests to one operation: every answer is documented and none is 5xx."""
    schema = schemathesis.openapi.from_dict(SCHEMA)
    op = schema.find_operation_by_label(operation)
    assert op is not None
    excluded = [getattr(schemathesis.checks, name) for name in NOT_CHECKED]
    statuses: Counter[int] = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )
    @given(case=op.as_strategy(generation_mode=schemathesis.GenerationMode(kind)))
    def check(case: Any) -> None:
        if kind == "positive":
            bounded(case)
        response = case.call(base_url=server, timeout=60)
        statuses[response.status_code] += 1
        assert response.status_code < 500, response.text
        case.validate_response(response, excluded_checks=excluded)

    check()
    assert sum(statuses.values()) > 0
    assert not [s for s in statuses if s >= 500]
