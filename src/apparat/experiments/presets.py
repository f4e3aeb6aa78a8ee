"""Presets: the named experiments a scenario ships, each one changed antecedent.

A scenario folder may hold ``presets/presets.yaml``::

    presets:
      - id: xii_congress_attack
        title: Trotsky attacks Stalin at the XII Congress
        antecedent: Trotsky reads Lenin's letter ... instead of accepting the truce.
        do: [trotsky.xii_congress=attack]      # also set, shift, drop (lists)
        given_history_until: null              # YYYY-MM for a late juncture
        cite: ["S1:280 'short quote'"]

Every preset is checked against its scenario when loaded: its interventions must apply,
its citations must name the scenario's sources (at a location that suits each source's
kind), and a preset that conditions on history
up to a month may change nothing in or before that month (nor set anything, which acts
from the start).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from apparat.errors import InterventionError, ScenarioError
from apparat.experiments.interventions import Intervention, apply, parse
from apparat.scenario.loader import LineIndex, load_scenario, locate, read_yaml, resolve_path
from apparat.scenario.models import Cites, Ident, Month, Scenario
from apparat.scenario.sources import location_problem

PRESETS_FILE = Path("presets") / "presets.yaml"


@dataclass(frozen=True)
class Preset:
    """A named experiment: one antecedent, the interventions that write it, its sources."""

    id: str
    title: str
    antecedent: str
    interventions: list[Intervention]
    given_history_until: str | None
    cites: list[str]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Ident
    title: Annotated[str, Field(min_length=1)]
    antecedent: Annotated[str, Field(min_length=1)]
    do: list[str] = []
    set_: list[str] = Field(default=[], alias="set")
    shift: list[str] = []
    drop: list[str] = []
    given_history_until: Month | None = None
    cite: Cites


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    presets: list[_Spec]


def presets_path(scenario: str | Path) -> Path | None:
    """Where a scenario's presets file is, or None for a scenario given as one file."""
    path = resolve_path(scenario)
    return path / PRESETS_FILE if path.is_dir() else None


def _fail(file: Path, problems: list[str]) -> InterventionError:
    lines = "\n".join(f"  - {p}" for p in problems)
    return InterventionError(f"{file}: {len(problems)} problem(s) in the presets\n{lines}")


def _read(file: Path) -> tuple[_File | None, LineIndex]:
    index: LineIndex = {}
    try:
        data = read_yaml(file, index)
    except ScenarioError as exc:
        raise _fail(file, exc.problems) from None
    if data is None:
        return None, index
    try:
        return _File.model_validate(data), index
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not str(p).startswith("function-"))
            dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
            where = locate(index, loc, str(file))
            problems.append(f"{where}: {dotted.lstrip('.') or '(top)'}: {err['msg']}")
        raise _fail(file, problems) from None


def _check(spec: _Spec, s: Scenario, where: str) -> tuple[Preset | None, list[str]]:
    """The preset, or the problems that make it unusable on scenario ``s``."""
    head = f"{where}: preset '{spec.id}'"
    try:
        ivs = parse(spec.do, spec.set_, spec.shift, spec.drop)
        applied = apply(s, ivs)
    except InterventionError as exc:
        return None, [f"{head}: {exc}"]
    problems = []
    if not ivs:
        problems.append(f"{head}: changes nothing; give do, set, shift or drop")
    sources = {src.id: src for src in s.sources}
    for cite in spec.cite:
        if cite.source not in sources:
            problems.append(
                f"{head}: citation {cite} names source '{cite.source}'; "
                f"sources of {s.scenario.id}: {', '.join(sorted(sources))}"
            )
        elif (problem := location_problem(cite, sources[cite.source])) is not None:
            problems.append(f"{head}: {problem}")
    until = spec.given_history_until
    if until is not None:
        start, end = s.scenario.start, s.scenario.end
        if not start <= until <= end:
            problems.append(
                f"{head}: given_history_until {until} is outside the scenario ({start} to {end})"
            )
        if spec.set_:
            problems.append(
                f"{head}: a 'set' acts from the first month, so it cannot be combined with "
                f"given_history_until {until}"
            )
        if applied.earliest_month is not None and applied.earliest_month <= until:
            problems.append(
                f"{head}: it changes {applied.earliest_month} (a forced decision's or a moved "
                f"event's month), which is not after given_history_until {until}; condition "
                "on an earlier month, before the history it changes"
            )
    if problems:
        return None, problems
    preset = Preset(
        id=spec.id,
        title=spec.title,
        antecedent=" ".join(spec.antecedent.split()),
        interventions=ivs,
        given_history_until=until,
        cites=[str(c) for c in spec.cite],
    )
    return preset, []


def load_presets(scenario: str | Path = "bolshevik_1923") -> dict[str, Preset]:
    """The presets of a scenario (a bundled name or a folder), checked against it.

    A scenario without ``presets/presets.yaml`` (or given as a single file) has none.
    Every problem is reported at once, with the file and line where it occurs.
    """
    file = presets_path(scenario)
    if file is None or not file.is_file():
        return {}
    spec, index = _read(file)
    if spec is None:
        return {}
    problems: list[str] = []
    seen: set[str] = set()
    for i, p in enumerate(spec.presets):
        if p.id in seen:
            problems.append(f"{locate(index, ('presets', i, 'id'), str(file))}: duplicate id")
        seen.add(p.id)
    if problems:
        raise _fail(file, problems)
    s = load_scenario(scenario)
    out: dict[str, Preset] = {}
    for i, p in enumerate(spec.presets):
        preset, found = _check(p, s, locate(index, ("presets", i), str(file)))
        problems += found
        if preset is not None:
            out[preset.id] = preset
    if problems:
        raise _fail(file, problems)
    return out


def get_preset(scenario: str | Path, name: str) -> Preset:
    """One preset by id; an unknown id is refused with the list of the scenario's presets."""
    presets = load_presets(scenario)
    if name not in presets:
        known = ", ".join(sorted(presets)) if presets else "none"
        raise InterventionError(f"unknown preset {name!r}; presets of {scenario}: {known}")
    return presets[name]
