"""The web API and the page it serves: toggle what-ifs, watch one run month by month.

``create_app()`` builds a FastAPI application. Its endpoints read the bundled
scenarios and run the engine; every request is bounded (runs, interventions, body
size, time, simulations per client) and every bad input is answered with a 4xx and a
message naming the field, never a 500. The simulations run on a few worker threads
(``limits.Workers``), so a slow request cannot block the event loop: a client over its
share is answered 429 at once, and a simulation that outlasts the time limit 503 (its
thread finishes in the background; the capacity bounds how many can pile up). The
``guard.Guard`` middleware refuses a request whose Host header does not name this server.

Only bundled scenarios are served: a scenario name is never taken for a path. The
page and its assets come from the package (Plotly from the installed ``plotly``
package), so nothing the page loads leaves the machine.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

import numpy as np
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from apparat.api.arms import ArmPool, ArmSpec
from apparat.api.guard import LOOPBACK, MAX_BODY, Guard
from apparat.api.limits import CAPACITY, PER_CLIENT, THREADS, Busy, Stopping, Workers
from apparat.api.models import (
    MAX_INTERVENTIONS,
    MAX_SEED,
    ActorInfo,
    ActorPower,
    BlocInfo,
    Citation,
    DecisionInfo,
    Difference,
    DominanceRow,
    ErrorResponse,
    ExperimentRequest,
    ExperimentResponse,
    MonthState,
    OfficeInfo,
    OptionInfo,
    ParameterInfo,
    PowerFan,
    Quantiles,
    RunEvent,
    RunResponse,
    ScenarioInfo,
    Share,
)
from apparat.engine import Compiled, SimulationResult, compile_scenario, simulate
from apparat.errors import ApparatError, InterventionError
from apparat.experiments import interventions as iv
from apparat.experiments.batch import scenario_json
from apparat.experiments.posterior import Posterior, describe, scenario_posterior
from apparat.experiments.statistics import paired_difference, wilson
from apparat.policies import ForcedChoice, parse_do
from apparat.scenario import Scenario, bundled_scenarios, load_scenario
from apparat.scenario.citations import Citation as SourceCitation
from apparat.scenario.parameters import PARAMETERS
from apparat.scenario.sources import Source, cited_sources, gloss

STATIC = Path(__file__).parent / "static"
TIME_LIMIT = 60.0
ARMS = ["factual", "counterfactual"]
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
NO_ONE = "none"
# The structural parameters the page offers as sliders, with the words it shows.
KEY_PARAMETERS = {
    "turnover_per_year": "Turnover of secretary posts (share per year)",
    "oversight": "Politburo oversight of the Secretariat",
    "appointment_skill": "Appointment skill (organisation → loyal appointees)",
    "delegate_control": "Secretaries' control of congress delegates",
    "faction_ban": "Ban on factions (1 = in force)",
    "threat_threshold": "Power share at which an excluded rival is feared",
}
Responses = dict[int | str, dict[str, Any]]
# What any request may be answered, documented on every endpoint of the schema.
REFUSALS: Responses = {
    400: {
        "model": ErrorResponse,
        "description": "A body that cannot be parsed (not UTF-8 JSON), an invalid "
        "Content-Length, or a Host header that does not name this server.",
    },
    413: {"model": ErrorResponse, "description": f"Request body over {MAX_BODY} bytes."},
}
ERRORS: Responses = REFUSALS | {
    404: {"model": ErrorResponse, "description": "Unknown scenario."},
    422: {"model": ErrorResponse, "description": "Invalid input; the message names the field."},
}
# The endpoints that run simulations: admitted up to a capacity, timed.
SIMULATION_ERRORS: Responses = ERRORS | {
    429: {
        "model": ErrorResponse,
        "description": "Too many simulations queued or running for this client (or in all).",
        "headers": {
            "Retry-After": {
                "description": "Seconds after which a retry is likely to be admitted.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    },
    503: {
        "model": ErrorResponse,
        "description": "The simulation outlasted the time limit, or the server is stopping.",
    },
}

T = TypeVar("T")
ScenarioName = Annotated[str, PathParam(max_length=80)]


# ------------------------------------------------------------------ scenarios


def scenario_names() -> list[str]:
    return bundled_scenarios()


@lru_cache(maxsize=8)
def _load(name: str) -> Scenario:
    return load_scenario(name)


def get_scenario(name: str) -> Scenario:
    """A bundled scenario by name; anything else is a 404, never a path on disk."""
    names = scenario_names()
    if name not in names:
        raise HTTPException(
            404, f"unknown scenario {name!r}; bundled scenarios: {', '.join(names) or 'none'}"
        )
    return _load(name)


@lru_cache(maxsize=8)
def _compiled(name: str) -> Compiled:
    return compile_scenario(_load(name))


def scenario_info(s: Scenario) -> ScenarioInfo:
    m = s.scenario
    return ScenarioInfo(id=m.id, title=m.title, start=m.start, end=m.end, description=m.description)


def decisions_of(s: Scenario) -> list[DecisionInfo]:
    names = {a.id: a.name for a in s.actors} | {b.id: b.name for b in s.bodies}
    out = []
    for d in s.decisions:
        labels = {o.id: o.label for o in d.options}
        out.append(
            DecisionInfo(
                id=d.id,
                actor=d.actor,
                actor_name=names.get(d.actor, d.actor),
                date=d.date,
                question=d.question,
                historical=d.historical,
                historical_label=labels[d.historical],
                options=[
                    OptionInfo(
                        id=o.id,
                        label=o.label,
                        description=o.description,
                        historical=o.id == d.historical,
                        cites=[str(c) for c in o.cite],
                    )
                    for o in d.options
                ],
                cites=[str(c) for c in d.cite],
            )
        )
    return out


def parameters_of(s: Scenario) -> list[ParameterInfo]:
    out = []
    for name, label in KEY_PARAMETERS.items():
        spec = PARAMETERS[name]
        own = s.parameters.get(name)
        out.append(
            ParameterInfo(
                name=name,
                label=label,
                doc=spec.doc,
                value=own.value if own is not None else spec.default,
                default=spec.default,
                low=spec.low,
                high=spec.high,
                note=own.note if own is not None else "",
                cites=[str(c) for c in own.cite] if own is not None else [],
            )
        )
    return out


# ------------------------------------------------------------------ experiment


def _applied(s: Scenario, req: ExperimentRequest) -> iv.Applied:
    """The counterfactual arm's scenario; a refusal names the field it comes from."""
    try:
        ForcedChoice(s, dict(req.do))
    except InterventionError as exc:
        raise InterventionError(f"do: {exc}") from None
    changes = [iv.Intervention("do", k, v) for k, v in req.do.items()]
    changes += [iv.Intervention("set", k, repr(float(v))) for k, v in req.set_.items()]
    try:
        return iv.apply(s, changes)
    except InterventionError as exc:
        raise InterventionError(f"set: {exc}") from None


def _share(codes: np.ndarray[Any, Any], code: int) -> Share:
    k, n = int((codes == code).sum()), int(codes.size)
    low, high = wilson(k, n)
    return Share(share=k / n, low=low, high=high)


def _finite(x: float) -> float | None:
    return x if np.isfinite(x) else None


def _quantiles(power: np.ndarray[Any, Any]) -> Quantiles:
    """(runs, months) power shares to five quantile curves over the months."""
    q = np.quantile(power.astype(np.float64), QUANTILES, axis=0).round(4)
    return Quantiles(**{f"q{round(p * 100):02d}": q[i].tolist() for i, p in enumerate(QUANTILES)})


def arm_specs(req: ExperimentRequest, first_year: int | None = None) -> tuple[ArmSpec, ArmSpec]:
    """The factual arm and the what-if of a request, on the same runs and seed;
    ``first_year``: also read off each run's December lines from the year before it."""
    s = get_scenario(req.scenario)
    applied = _applied(s, req)
    edited = bool(applied.params) or applied.scenario is not s
    post = shipped_posterior(req.scenario)
    factual = ArmSpec(req.scenario, None, (), (), req.runs, req.seed, first_year, post)
    what_if = ArmSpec(
        req.scenario,
        scenario_json(applied.scenario) if edited else None,
        tuple(sorted(applied.params.items())),
        tuple(sorted(applied.forced.items())),
        req.runs,
        req.seed,
        first_year,
        post,
    )
    return factual, what_if


@lru_cache(maxsize=8)
def shipped_posterior(name: str) -> Posterior | None:
    """The posterior a bundled scenario ships, read once: the page's ensembles draw their
    parameters from it, as ``apparat experiment`` does (docs/calibration.md)."""
    return scenario_posterior(name)


def run_experiment(req: ExperimentRequest, pool: ArmPool | None = None) -> ExperimentResponse:
    """Simulate the factual arm and the what-if on the same runs (side by side on two
    processes when ``pool`` is given); compare who wins."""
    start = time.perf_counter()
    specs = arm_specs(req)  # first: an unknown scenario is a 404, not a compile error
    base = _compiled(req.scenario)
    fact, what = (pool or ArmPool.inline()).run(*specs)
    f_end, c_end = fact.dominant_end, what.dominant_end
    names = dict(enumerate(base.names))
    rows = []
    for code in sorted(set(f_end.tolist()) | set(c_end.tolist())):
        d, low, high = paired_difference(c_end == code, f_end == code)
        rows.append(
            DominanceRow(
                actor=base.actors[code] if code >= 0 else NO_ONE,
                name=names[code] if code >= 0 else "No one consolidated",
                factual=_share(f_end, code),
                counterfactual=_share(c_end, code),
                difference=Difference(value=d, low=_finite(low), high=_finite(high)),
            )
        )
    rows.sort(key=lambda r: (-r.factual.share, -r.counterfactual.share, r.actor))
    contenders = [int(i) for i in np.flatnonzero(base.contender)]
    power = PowerFan(
        months=[base.label(m) for m in range(fact.power.shape[1])],
        actors=[
            ActorPower(
                id=base.actors[a],
                name=base.names[a],
                factual=_quantiles(fact.power[:, :, a]),
                counterfactual=_quantiles(what.power[:, :, a]),
            )
            for a in contenders
        ],
    )
    return ExperimentResponse(
        scenario=req.scenario,
        runs=req.runs,
        seed=req.seed,
        do=dict(req.do),
        set=dict(req.set_),
        arms=ARMS,
        dominance=rows,
        power=power,
        parameters=describe(specs[0].posterior),
        seconds=round(time.perf_counter() - start, 3),
    )


# ------------------------------------------------------------------ run explorer


def _citation(text: str, docs: Mapping[str, Source]) -> Citation:
    """A stored citation with its document's title, and its address for a web source."""
    c = SourceCitation.model_validate(text)
    doc = docs.get(c.source)
    return Citation(
        source=c.source,
        line=c.line,
        end_line=c.end_line,
        page=c.page,
        end_page=c.end_page,
        section=c.section,
        quote=c.quote,
        title=doc.title if doc else "",
        url=doc.url if doc else None,
        gloss=gloss(c, docs),
    )


def _blocs(res: SimulationResult, m: int) -> list[BlocInfo]:
    c, h = res.compiled, res.history
    groups: dict[int, list[int]] = {}
    for a, lead in enumerate(h.bloc[0, m].tolist()):
        if lead >= 0:
            groups.setdefault(int(lead), []).append(a)
    out = [
        BlocInfo(
            leader=c.actors[lead],
            members=[c.actors[a] for a in sorted(members, key=lambda a: (a != lead, a))],
            ruling=bool(h.ruling[0, m, members].any()),
        )
        for lead, members in groups.items()
    ]
    return sorted(out, key=lambda b: (not b.ruling, -len(b.members), b.leader))


def _month_state(res: SimulationResult, m: int) -> MonthState:
    c, h = res.compiled, res.history
    dom = int(h.dominant[0, m])
    return MonthState(
        month=c.label(m),
        holders=[c.actors[w] if w >= 0 else None for w in h.holder[0, m].tolist()],
        executive=[c.actors[a] for a in np.flatnonzero(h.executive[0, m])],
        blocs=_blocs(res, m),
        ruling=[c.actors[a] for a in np.flatnonzero(h.ruling[0, m])],
        power={a: round(float(p), 4) for a, p in zip(c.actors, h.power[0, m], strict=True)},
        sanction={
            c.actors[a]: c.sanctions.names[int(k)] for a, k in enumerate(h.sanction[0, m]) if k > 0
        },
        dominant=c.actors[dom] if dom >= 0 else None,
    )


def explore_run(name: str, seed: int, do: list[str]) -> RunResponse:
    """One run with its chronicle: offices, blocs, power and cited events month by month."""
    s = get_scenario(name)
    try:
        forced = parse_do(do)
        policy = ForcedChoice(s, forced)
    except InterventionError as exc:
        raise InterventionError(f"do: {exc}") from None
    res = simulate(_compiled(name), 1, seed, None, policy, True)
    c = res.compiled
    docs = {src.id: src for src in s.sources}
    dom = int(res.outcomes.dominant_end[0])
    since = int(res.outcomes.consolidation_month[0])
    return RunResponse(
        scenario=name,
        seed=seed,
        do=forced,
        months=[c.label(m) for m in range(res.months)],
        actors=[
            ActorInfo(id=a, name=n, contender=bool(k))
            for a, n, k in zip(c.actors, c.names, c.contender, strict=True)
        ],
        offices=[OfficeInfo(id=o, name=n) for o, n in zip(c.offices, c.office_names, strict=True)],
        by_month=[_month_state(res, m) for m in range(res.months)],
        events=[
            RunEvent(
                month=e.month,
                date=e.date,
                kind=e.kind,
                text=e.text,
                actors=list(e.actors),
                cites=[_citation(t, docs) for t in e.cites],
            )
            for e in res.chronicle
        ],
        dominant=c.actors[dom] if dom >= 0 else None,
        dominant_since=c.label(since) if dom >= 0 and since >= 0 else None,
        sources=cited_sources(
            (SourceCitation.model_validate(t) for e in res.chronicle for t in e.cites), docs
        ),
    )


# ------------------------------------------------------------------ the application


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_message(exc: RequestValidationError) -> str:
    messages = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            reason = (err.get("ctx") or {}).get("error", "")
            messages.append(
                f"body: malformed JSON in the request body{': ' + str(reason) if reason else ''}"
            )
            continue
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        messages.append(f"{_field(err.get('loc', ()))}: {msg}")
    return "; ".join(messages) or "invalid request"


@lru_cache(maxsize=1)
def _plotly_js() -> bytes:
    # Imported here: Plotly loads only when the page asks for its script.
    offline = importlib.import_module("plotly.offline")
    text: str = offline.get_plotlyjs()
    return text.encode("utf-8")


def create_app(
    time_limit: float = TIME_LIMIT,
    max_body: int = MAX_BODY,
    hosts: Iterable[str] = LOOPBACK,
    port: int | None = None,
    threads: int = THREADS,
    capacity: int = CAPACITY,
    per_client: int = PER_CLIENT,
) -> FastAPI:
    """The application: the JSON API under /api, the page at /, its assets under /static.

    ``hosts`` and ``port`` are what the Host header must name (``"*"``: anything; no port:
    any port); ``apparat serve`` passes its own address. ``threads`` simulations run at a
    time, each within ``time_limit`` seconds of work; ``capacity`` may be queued or
    running in all, ``per_client`` for one client address.
    """
    workers = Workers(time_limit, threads, capacity, per_client)
    arms: list[ArmPool] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        arms.append(
            ArmPool(warm="bolshevik_1923" if "bolshevik_1923" in scenario_names() else None)
        )
        try:
            yield
        finally:
            # The process pool's workers end here, so that none outlives the server.
            workers.close()
            for pool in arms:
                pool.close()

    app = FastAPI(
        title="apparat",
        summary="What if? Counterfactual ensembles and single runs of a one-party succession.",
        description=(
            "Paired counterfactual experiments (the factual world and one what-if, with the "
            "same luck run for run) and a month-by-month run explorer whose every event "
            "cites its sources, and a game in which you take one contender's decisions. "
            "Runs are capped at 1000 per arm, interventions at "
            f"{MAX_INTERVENTIONS}, request bodies at {max_body} bytes, each simulation at "
            f"{time_limit:g} seconds of work, and each client at {per_client} simulations "
            "queued or running (more are answered 429 with a Retry-After header)."
        ),
        version="0.1.0",
        lifespan=lifespan,
    )

    async def in_worker(request: Request, fn: Callable[[], T]) -> T:
        client = request.client.host if request.client else "unknown"
        try:
            return await workers.run(client, fn)
        except Busy as exc:
            raise HTTPException(
                429, str(exc), headers={"Retry-After": str(exc.retry_after)}
            ) from None
        except TimeoutError:
            raise HTTPException(
                503,
                f"the simulation took longer than the limit of {time_limit:g} s; "
                "ask for fewer runs or try again",
            ) from None
        except Stopping as exc:
            raise HTTPException(503, str(exc)) from None

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_message(exc)}, status_code=422)

    @app.exception_handler(ApparatError)
    async def _refused(_: Request, exc: ApparatError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.get("/api/scenarios", tags=["scenarios"], responses=REFUSALS)
    def list_scenarios() -> list[ScenarioInfo]:
        """The bundled scenarios."""
        return [scenario_info(_load(name)) for name in scenario_names()]

    @app.get("/api/scenarios/{scenario}/decisions", tags=["scenarios"], responses=ERRORS)
    def list_decisions(scenario: ScenarioName) -> list[DecisionInfo]:
        """The decision points a what-if can force, with their options and sources."""
        return decisions_of(get_scenario(scenario))

    @app.get("/api/scenarios/{scenario}/parameters", tags=["scenarios"], responses=ERRORS)
    def list_parameters(scenario: ScenarioName) -> list[ParameterInfo]:
        """Key structural parameters a what-if can change, with the scenario's value and range."""
        return parameters_of(get_scenario(scenario))

    @app.post("/api/experiment", tags=["experiments"], responses=SIMULATION_ERRORS)
    async def experiment(request: Request, req: ExperimentRequest) -> ExperimentResponse:
        """A paired counterfactual ensemble: the share of runs each leader ends up dominant
        in, factual vs what-if, with 95 % intervals, and quantiles of power over time."""
        return await in_worker(request, lambda: run_experiment(req, arms[0] if arms else None))

    @app.get("/api/run", tags=["runs"], responses=SIMULATION_ERRORS)
    async def run(
        request: Request,
        scenario: Annotated[str, Query(max_length=80)] = "bolshevik_1923",
        seed: Annotated[int, Query(ge=0, le=MAX_SEED)] = 1,
        do: Annotated[
            list[Annotated[str, Query(max_length=200)]],
            Query(
                max_length=MAX_INTERVENTIONS,
                description="A forced decision, DECISION=OPTION (repeatable).",
            ),
        ] = [],  # noqa: B006 -- FastAPI copies query defaults
    ) -> RunResponse:
        """One run, month by month: who holds which office, the blocs, power, and events
        with the sources behind them."""
        return await in_worker(request, lambda: explore_run(scenario, seed, do))

    # Imported here: the play module builds on this one's helpers.
    from apparat.api.play import add_routes as add_play_routes

    add_play_routes(app, in_worker)
    from apparat.api.consequences import add_routes as add_consequences_routes

    add_consequences_routes(app, in_worker, lambda: arms[0] if arms else None)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        return Response(
            _plotly_js(),
            media_type="application/javascript",
            headers={"cache-control": "public, max-age=86400"},
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(Guard, max_body=max_body, hosts=hosts, port=port)
    app.state.workers = workers
    return app


def stop_simulations(app: FastAPI) -> None:
    """Answer the simulations in flight (503) and refuse new ones: the server is stopping.

    ``apparat serve`` calls it as soon as it is told to stop, so that requests waiting
    on a simulation end at once instead of holding the shutdown until they time out.
    """
    workers: Workers = app.state.workers
    workers.close()
