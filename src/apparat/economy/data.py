"""The consequences model's data: parameters, programmes and historical series, checked
at the boundary so that a bad number is reported with its file and line, never used.

The data live beside the scenario (``scenarios/<id>/economy/``): ``model.yaml`` (the
parameters with their ranges and citations, the named programmes, the tolerances),
``series.csv`` (the historical series, one row per series, variant and year) and
``sources.yaml`` (the works cited, in the scenario's source format).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from apparat.errors import EconomyError
from apparat.scenario.loader import bundled_root
from apparat.scenario.reading import safe_load
from apparat.scenario.sources import Source

ECONOMY_DIR = "economy"
AXES = ("economy", "international", "regime")
# the series the model knows how to compare; any other name in series.csv is a typo
SERIES = (
    "grain_harvest",
    "procurement",
    "exports",
    "collectivised_share",
    "prisoners",
    "urban_population",
    "industrial_output",
    "gdp",
    "consumption_per_head",
    "excess_deaths",
)
COLUMNS = ("series", "variant", "year", "value", "unit", "source", "note")


@dataclass(frozen=True)
class Parameter:
    """One uncertain parameter: a central value, the range runs draw from, its source."""

    name: str
    value: float
    low: float
    high: float
    cite: str
    note: str = ""


@dataclass(frozen=True)
class Programme:
    """A named line on the political axes (economy, international, regime)."""

    id: str
    title: str
    steps: tuple[tuple[int, tuple[float, float, float]], ...]  # (from year, line)
    cite: str
    note: str = ""

    def lines(self, years: list[int]) -> list[tuple[float, float, float]]:
        """The line in force in each year: the last step at or before it (the first
        step before any)."""
        out = []
        for y in years:
            now = [line for start, line in self.steps if start <= y]
            out.append(now[-1] if now else self.steps[0][1])
        return out


@dataclass(frozen=True)
class Series:
    """One variant of one historical series: contiguous years and their values."""

    series: str
    variant: str
    years: tuple[int, ...]
    values: tuple[float, ...]
    unit: str
    source: str

    def at(self, year: int) -> float | None:
        return self.values[self.years.index(year)] if year in self.years else None


@dataclass(frozen=True)
class EconomyData:
    first_year: int
    last_year: int
    parameters: dict[str, Parameter]
    programmes: dict[str, Programme]
    tolerance: dict[str, float]
    series: list[Series] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def variants(self, name: str) -> list[Series]:
        return [s for s in self.series if s.series == name]

    def envelope(self, name: str, year: int) -> tuple[float, float] | None:
        """The lowest and highest published value of a series in a year, if any."""
        vals = [v for s in self.variants(name) if (v := s.at(year)) is not None]
        return (min(vals), max(vals)) if vals else None


def economy_dir(scenario_dir: Path) -> Path:
    return scenario_dir / ECONOMY_DIR


def _number(value: object, where: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EconomyError(f"{where}: {what} must be a number, not {value!r}")
    if not math.isfinite(float(value)):
        raise EconomyError(f"{where}: {what} must be finite, not {value!r}")
    return float(value)


def _line_of(text: str, key: str) -> int:
    """The 1-based line where ``key:`` first appears in a YAML text (0 if not found)."""
    for i, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(f"{key}:") or line.lstrip().startswith(f"- id: {key}"):
            return i
    return 0


def _cited_id(cite: str) -> str:
    """The source id a citation starts with: 'dw2004 §x' -> 'dw2004', 'S1:12 ...' -> 'S1'."""
    head = cite.split()[0] if cite.split() else ""
    return head.split(":")[0]


def load_sources(path: Path) -> dict[str, Source]:
    try:
        raw = safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise EconomyError(f"{path}: not valid YAML: {exc}") from exc
    out: dict[str, Source] = {}
    text = path.read_text(encoding="utf-8")
    for entry in raw.get("sources", []):
        sid = entry.get("id", "?") if isinstance(entry, dict) else "?"
        try:
            out[sid] = Source.model_validate(entry)
        except ValueError as exc:
            raise EconomyError(f"{path}:{_line_of(text, sid)}: source {sid!r}: {exc}") from exc
    return out


def load_model(path: Path, known_sources: set[str]) -> EconomyData:
    """Read ``model.yaml``: every parameter needs value, low <= value <= high and a cite
    naming a known source (the economy's own or the scenario's S0-S4)."""
    text = path.read_text(encoding="utf-8")
    try:
        raw: dict[str, Any] = safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise EconomyError(f"{path}: not valid YAML: {exc}") from exc
    params: dict[str, Parameter] = {}
    for name, spec in (raw.get("parameters") or {}).items():
        where = f"{path}:{_line_of(text, name)}: parameter {name!r}"
        if not isinstance(spec, dict):
            raise EconomyError(f"{where}: needs value, low, high and cite")
        missing = [k for k in ("value", "low", "high", "cite") if k not in spec]
        if missing:
            raise EconomyError(f"{where}: missing {', '.join(missing)}")
        value, low, high = (_number(spec[k], where, k) for k in ("value", "low", "high"))
        if not low <= value <= high:
            raise EconomyError(f"{where}: value {value} is outside its range [{low}, {high}]")
        cite = str(spec["cite"])
        if _cited_id(cite) not in known_sources:
            raise EconomyError(f"{where}: cites unknown source {_cited_id(cite)!r}")
        params[name] = Parameter(name, value, low, high, cite, str(spec.get("note", "")))
    programmes: dict[str, Programme] = {}
    for entry in raw.get("programmes") or []:
        pid = str(entry.get("id", "?"))
        where = f"{path}:{_line_of(text, pid)}: programme {pid!r}"
        steps_raw = entry.get("lines") or {}
        if not isinstance(steps_raw, dict) or not steps_raw:
            raise EconomyError(f"{where}: needs 'lines', a line for each year it changes")
        steps = []
        for year, line in sorted(steps_raw.items()):
            if not isinstance(line, dict) or set(line) != set(AXES):
                raise EconomyError(
                    f"{where}: the line of {year} needs exactly the axes {', '.join(AXES)}"
                )
            vals = tuple(_number(line[a], where, f"lines.{year}.{a}") for a in AXES)
            if any(abs(v) > 1 for v in vals):
                raise EconomyError(f"{where}: a line lies in [-1, 1] on every axis, not {vals}")
            steps.append((int(year), (vals[0], vals[1], vals[2])))
        cite = entry.get("cite", "")
        programmes[pid] = Programme(
            pid,
            str(entry.get("title", pid)),
            tuple(steps),
            "; ".join(cite) if isinstance(cite, list) else str(cite),
            str(entry.get("note", "")),
        )
    first = int(raw.get("first_year", 1928))
    last = int(raw.get("last_year", 1941))
    if last < first:
        raise EconomyError(f"{path}: last_year {last} is before first_year {first}")
    tol = {
        str(k): _number(v, f"{path}: tolerance", str(k))
        for k, v in (raw.get("tolerance") or {}).items()
    }
    return EconomyData(first, last, params, programmes, tol)


def load_series(path: Path, known_sources: set[str]) -> list[Series]:
    """Read ``series.csv``. Each (series, variant) must run over contiguous years with
    finite, non-negative values; every problem names the file and the line."""
    rows: dict[tuple[str, str], list[tuple[int, int, float, str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [
            (i, ln) for i, ln in enumerate(fh, start=1) if ln.strip() and not ln.startswith("#")
        ]
    if not lines:
        raise EconomyError(f"{path}: no rows")
    reader = csv.reader([ln for _, ln in lines])
    header = next(reader)
    if tuple(header) != COLUMNS:
        raise EconomyError(f"{path}:{lines[0][0]}: header must be {','.join(COLUMNS)}")
    for (lineno, _), row in zip(lines[1:], reader, strict=True):
        where = f"{path}:{lineno}"
        if len(row) != len(COLUMNS):
            raise EconomyError(f"{where}: {len(row)} fields, expected {len(COLUMNS)}")
        name, variant, year_s, value_s, unit, source, _note = row
        if name not in SERIES:
            raise EconomyError(f"{where}: unknown series {name!r}; known: {', '.join(SERIES)}")
        try:
            year = int(year_s)
            value = float(value_s)
        except ValueError as exc:
            raise EconomyError(f"{where}: year and value must be numbers ({exc})") from exc
        if not math.isfinite(value):
            raise EconomyError(f"{where}: {name} {variant} {year}: value must be finite")
        if value < 0:
            raise EconomyError(f"{where}: {name} {variant} {year}: negative value {value}")
        if source not in known_sources:
            raise EconomyError(f"{where}: unknown source {source!r}")
        rows.setdefault((name, variant), []).append((lineno, year, value, unit, source))
    out = []
    for (name, variant), entries in rows.items():
        entries.sort(key=lambda e: e[1])
        for (_, y0, *_), (ln1, y1, *_) in pairwise(entries):
            if y1 == y0:
                raise EconomyError(f"{path}:{ln1}: {name} {variant}: year {y1} given twice")
            if y1 != y0 + 1:
                raise EconomyError(
                    f"{path}:{ln1}: {name} {variant}: a gap in the years, {y0} then {y1}"
                )
        out.append(
            Series(
                name,
                variant,
                tuple(e[1] for e in entries),
                tuple(e[2] for e in entries),
                entries[0][3],
                entries[0][4],
            )
        )
    return out


def load_economy_dir(directory: Path) -> EconomyData:
    """The consequences data of one scenario directory's ``economy/`` folder."""
    if not directory.is_dir():
        raise EconomyError(f"{directory}: no consequences data (an economy/ folder) here")
    sources = load_sources(directory / "sources.yaml")
    known = set(sources) | {f"S{i}" for i in range(5)}
    data = load_model(directory / "model.yaml", known)
    series = load_series(directory / "series.csv", set(sources))
    return EconomyData(
        data.first_year,
        data.last_year,
        data.parameters,
        data.programmes,
        data.tolerance,
        series,
        sources,
    )


@lru_cache(maxsize=4)
def load_economy(scenario: str = "bolshevik_1923") -> EconomyData:
    """The consequences data bundled with a scenario (by id)."""
    return load_economy_dir(bundled_root() / scenario / ECONOMY_DIR)
