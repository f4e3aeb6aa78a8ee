"""Interventions: change one named antecedent of a scenario and nothing else.

Four kinds, as the command line writes them:

``--do DECISION=OPTION``
    force a decision's option in every run (``trotsky.xii_congress=attack``);
``--set NAME=VALUE``
    an actor's trait or line (``stalin.intrigue=0.3``), an office's resource
    (``general_secretary.patronage=0.5``), or a mechanism parameter (``oversight=0.8``,
    also written against a body, ``secretariat.oversight=0.8``);
``--shift EVENT=YYYY-MM``
    move a scheduled event (``lenin.death=1926-01``; an event id, or ``actor.kind`` for
    the one event of that kind about that actor);
``--drop EVENT``
    take a scheduled event off the calendar.

``apply`` validates every name against the scenario (a refusal lists the valid
choices) and returns the modified scenario, validated again, together with the forced
choices and parameter overrides the engine takes separately. A trait, line or office
change keeps the citations of the value it replaces: the claim changes, not its sources.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from pydantic import ValidationError

from apparat.errors import InterventionError
from apparat.policies.forced import ForcedChoice, parse_do
from apparat.scenario.models import TRAITS, EventKind, Scenario, parse_month
from apparat.scenario.parameters import PARAMETERS
from apparat.scenario.references import check_references

Kind = Literal["do", "set", "shift", "drop"]
RESOURCES = ("patronage", "delegates", "force", "press", "surveillance")
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)

_EXAMPLES = {
    "do": "DECISION=OPTION, e.g. trotsky.xii_congress=attack",
    "set": "NAME=VALUE, e.g. stalin.intrigue=0.3 or oversight=0.8",
    "shift": "EVENT=YYYY-MM, e.g. lenin.death=1926-01",
    "drop": "EVENT, e.g. lenin_enrolment",
}


@dataclass(frozen=True)
class Intervention:
    """One changed antecedent, as the user wrote it."""

    kind: Kind
    target: str  # e.g. "trotsky.xii_congress", "stalin.intrigue", "lenin.death"
    value: str | None  # option id, number as text, YYYY-MM; None for drop

    def __str__(self) -> str:
        if self.kind == "drop":
            return f"--drop {self.target}"
        return f"--{self.kind} {self.target}={self.value}"


@dataclass(frozen=True)
class Applied:
    """A scenario with interventions applied, and what the engine takes beside it."""

    scenario: Scenario  # the modified scenario, validated again
    forced: dict[str, str]  # decision id -> option id, for ForcedChoice
    params: dict[str, float]  # parameter overrides, for compile_scenario(s, params)
    # The earliest month any intervention touches (a forced decision's date, a shifted
    # or dropped event's old or new date); None when only parameters, traits, lines or
    # offices change, which act from the start.
    earliest_month: str | None


# ---------------------------------------------------------------------------- parsing


def _number(iv: Intervention) -> float:
    text = iv.value or ""
    try:
        value = float(text)
    except ValueError:
        raise InterventionError(
            f"--set {iv.target}={text}: {text!r} is not a number; write {_EXAMPLES['set']}"
        ) from None
    if not math.isfinite(value):
        raise InterventionError(f"--set {iv.target}={text}: the value must be a finite number")
    return value


def _month(iv: Intervention) -> str:
    try:
        return parse_month(iv.value or "")
    except ValueError:
        raise InterventionError(
            f"--shift {iv.target}={iv.value}: {iv.value!r} is not a month; "
            f"write {_EXAMPLES['shift']}"
        ) from None


def _check_form(iv: Intervention) -> None:
    """The syntax of one intervention, before any name is looked up."""
    if iv.kind not in _EXAMPLES:
        raise InterventionError(
            f"unknown kind of intervention {iv.kind!r}; kinds: {', '.join(_EXAMPLES)}"
        )
    if not iv.target or iv.target != iv.target.strip():
        raise InterventionError(f"--{iv.kind} {iv.target!r}: write {_EXAMPLES[iv.kind]}")
    if iv.kind == "drop":
        if iv.value is not None or "=" in iv.target:
            raise InterventionError(
                f"--drop {iv.target!r}: name the event only; write {_EXAMPLES['drop']}"
            )
        return
    if not iv.value:
        raise InterventionError(f"--{iv.kind} {iv.target!r}: write {_EXAMPLES[iv.kind]}")
    if iv.kind == "set":
        _number(iv)
    elif iv.kind == "shift":
        _month(iv)


def _split(kind: Kind, item: str) -> Intervention:
    if kind == "do":
        ((name, option),) = parse_do([item]).items()
        return Intervention("do", name, option)
    if kind == "drop":
        iv = Intervention("drop", item.strip(), None)
    else:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InterventionError(f"--{kind} {item!r}: write {_EXAMPLES[kind]}")
        iv = Intervention(kind, name.strip(), value.strip())
    _check_form(iv)
    return iv


def parse(
    do: Sequence[str] = (),
    set_: Sequence[str] = (),
    shift: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> list[Intervention]:
    """Command-line strings to interventions, refusing malformed ones and repeated targets.

    Names are checked against a scenario only by ``apply``.
    """
    if (
        isinstance(do, str)
        or isinstance(set_, str)
        or isinstance(shift, str)
        or isinstance(drop, str)
    ):
        raise InterventionError("give each kind of intervention as a list of strings")
    out = [
        *(_split("do", item) for item in do),
        *(_split("set", item) for item in set_),
        *(_split("shift", item) for item in shift),
        *(_split("drop", item) for item in drop),
    ]
    seen: dict[tuple[str, str], Intervention] = {}
    for iv in out:
        group = "event" if iv.kind in ("shift", "drop") else iv.kind
        if (group, iv.target) in seen:
            raise InterventionError(
                f"{iv.target!r} is intervened on twice ({seen[group, iv.target]} and {iv}); "
                "give one change per target"
            )
        seen[group, iv.target] = iv
    return out


def describe(interventions: Sequence[Intervention]) -> str:
    """One line: 'trotsky.xii_congress=attack; stalin.intrigue=0.3'."""
    parts = []
    for iv in interventions:
        if iv.kind == "drop":
            parts.append(f"{iv.target} dropped")
        elif iv.kind == "shift":
            parts.append(f"{iv.target} moved to {iv.value}")
        else:
            parts.append(f"{iv.target}={iv.value}")
    return "; ".join(parts)


# ---------------------------------------------------------------------------- applying


def _choices(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))


def _in_range(iv: Intervention, value: float, low: float, high: float, what: str) -> None:
    if not low <= value <= high:
        raise InterventionError(f"{iv}: {what} must lie in [{low:g}, {high:g}]")


class _Edit:
    """The scenario as a plain mapping, changed one intervention at a time."""

    def __init__(self, s: Scenario) -> None:
        self.s = s
        self.data: dict[str, Any] = s.model_dump(by_alias=True)
        self.actors = {a.id: i for i, a in enumerate(s.actors)}
        self.offices = {o.id: i for i, o in enumerate(s.offices)}
        self.axes = [a.id for a in s.rules.axes]
        self.bodies = {b.id for b in s.bodies}
        self.events = {e.id: i for i, e in enumerate(s.calendar)}
        self.decisions = {d.id: d for d in s.decisions}
        self.forced: dict[str, str] = {}
        self.params: dict[str, float] = {}
        self.months: list[str] = []
        self.dropped: set[str] = set()
        self.seen: dict[tuple[str, ...], Intervention] = {}

    def claim(self, key: tuple[str, ...], iv: Intervention) -> None:
        """Refuse a second intervention on the same thing, however it is named."""
        if key in self.seen:
            raise InterventionError(
                f"{iv} and {self.seen[key]} change the same {key[0]} "
                f"({'.'.join(key[1:])}); give one change per target"
            )
        self.seen[key] = iv

    # -- do

    def do(self, iv: Intervention) -> None:
        assert iv.value is not None
        ForcedChoice(self.s, {iv.target: iv.value})  # unknown decision or option: refused
        self.claim(("decision", iv.target), iv)
        self.forced[iv.target] = iv.value
        self.months.append(self.decisions[iv.target].date)

    # -- set

    def assign(self, iv: Intervention) -> None:
        value = _number(iv)
        parts = iv.target.split(".")
        if len(parts) == 1:
            self._param(iv, parts[0], value)
            return
        if len(parts) != 2 or not all(parts):
            raise InterventionError(f"--set {iv.target!r}: {self._set_help()}")
        owner, name = parts
        if owner in self.actors:
            self._actor(iv, owner, name, value)
        elif owner in self.offices:
            self._office(iv, owner, name, value)
        elif owner in self.bodies:
            if name not in PARAMETERS:
                raise InterventionError(
                    f"{iv}: {name!r} is not a parameter; parameters: " + _choices(PARAMETERS)
                )
            self._param(iv, name, value)
        else:
            raise InterventionError(
                f"{iv}: {owner!r} is no actor, office or body of "
                f"{self.s.scenario.id}; {self._set_help()}"
            )

    def _set_help(self) -> str:
        return (
            "write ACTOR.TRAIT, ACTOR.AXIS, OFFICE.RESOURCE, PARAMETER or BODY.PARAMETER; "
            f"actors: {_choices(self.actors)}; offices: {_choices(self.offices)}; "
            f"bodies: {_choices(self.bodies)}; traits: {', '.join(TRAITS)}; "
            f"axes: {', '.join(self.axes)}; resources: {', '.join(RESOURCES)}; "
            f"parameters: {_choices(PARAMETERS)}"
        )

    def _param(self, iv: Intervention, name: str, value: float) -> None:
        spec = PARAMETERS.get(name)
        if spec is None:
            raise InterventionError(
                f"{iv}: unknown parameter {name!r}; parameters: "
                f"{_choices(PARAMETERS)} (or ACTOR.TRAIT, ACTOR.AXIS, OFFICE.RESOURCE)"
            )
        _in_range(iv, value, spec.low, spec.high, f"parameter {name}")
        self.claim(("parameter", name), iv)
        self.params[name] = value

    def _actor(self, iv: Intervention, actor: str, name: str, value: float) -> None:
        entry = self.data["actors"][self.actors[actor]]
        if name in TRAITS:
            _in_range(iv, value, 0.0, 1.0, f"trait {name}")
            group = "traits"
        elif name in self.axes:
            _in_range(iv, value, -1.0, 1.0, f"line on the {name} axis")
            group = "position"
        else:
            raise InterventionError(
                f"{iv}: actor {actor!r} has no trait or axis {name!r}; "
                f"traits: {', '.join(TRAITS)}; axes: {', '.join(self.axes)}"
            )
        self.claim(("actor", actor, name), iv)
        entry[group][name]["value"] = value  # the citations stay

    def _office(self, iv: Intervention, office: str, name: str, value: float) -> None:
        if name not in RESOURCES:
            raise InterventionError(
                f"{iv}: office {office!r} has no resource {name!r}; "
                f"resources: {', '.join(RESOURCES)}"
            )
        _in_range(iv, value, 0.0, 1.0, f"resource {name}")
        self.claim(("office", office, name), iv)
        self.data["offices"][self.offices[office]][name] = value

    # -- shift and drop

    def event(self, iv: Intervention) -> int:
        """Index in the calendar of an event named by id or as ``actor.kind``."""
        verb = f"--{iv.kind} {iv.target}" + (f"={iv.value}" if iv.value else "")
        if iv.target in self.events:
            index = self.events[iv.target]
        elif "." in iv.target:
            actor, _, kind = iv.target.partition(".")
            if actor not in self.actors:
                raise InterventionError(
                    f"{verb}: {actor!r} is no actor of {self.s.scenario.id}; name an event "
                    f"by id ({_choices(self.events)}) or as ACTOR.KIND ({self._aliases()})"
                )
            if kind not in EVENT_KINDS:
                raise InterventionError(
                    f"{verb}: {kind!r} is no kind of event; kinds: {', '.join(EVENT_KINDS)}"
                )
            hits = [i for i, e in enumerate(self.s.calendar) if (e.actor, e.kind) == (actor, kind)]
            if not hits:
                raise InterventionError(
                    f"{verb}: no '{kind}' event of {actor}; events named ACTOR.KIND: "
                    + self._aliases()
                )
            if len(hits) > 1:
                found = ", ".join(self.s.calendar[i].id for i in hits)
                raise InterventionError(
                    f"{verb}: several '{kind}' events of {actor}: {found}; name one by id"
                )
            index = hits[0]
        else:
            raise InterventionError(
                f"{verb}: unknown event {iv.target!r}; events of {self.s.scenario.id}: "
                f"{_choices(self.events)} (or ACTOR.KIND: {self._aliases()})"
            )
        self.claim(("event", self.s.calendar[index].id), iv)
        return index

    def _aliases(self) -> str:
        pairs = [(e.actor, e.kind) for e in self.s.calendar if e.actor]
        unique = sorted({f"{a}.{k}" for a, k in pairs if pairs.count((a, k)) == 1})
        return ", ".join(unique) or "none"

    def _wave(self, index: int) -> int | None:
        """The cohort an enrolment event brings in, if that event is its only way in."""
        ev = self.s.calendar[index]
        if ev.kind != "enrolment" or ev.cohort is None:
            return None
        if sum(e.cohort == ev.cohort for e in self.s.calendar) != 1:
            return None
        cohorts = self.s.party.cohorts
        i = [c.id for c in cohorts].index(ev.cohort)
        return i if cohorts[i].joins == ev.date else None

    def shift(self, iv: Intervention) -> None:
        month = _month(iv)
        index = self.event(iv)
        start, end = self.s.scenario.start, self.s.scenario.end
        if not start <= month <= end:
            raise InterventionError(
                f"--shift {iv.target}={iv.value}: {month} is outside the scenario "
                f"({start} to {end})"
            )
        old = self.s.calendar[index].date
        self.data["calendar"][index]["date"] = month
        wave = self._wave(index)
        if wave is not None:  # the members join when their enrolment does
            self.data["party"]["cohorts"][wave]["joins"] = month
        self.months += [old, month]

    def drop(self, iv: Intervention) -> None:
        index = self.event(iv)
        self.dropped.add(self.s.calendar[index].id)
        self.months.append(self.s.calendar[index].date)

    def _unlist_sessions(self) -> None:
        """A dropped session no longer counts among those at which alone a sanction may
        be imposed (``only_at``); a sanction left with none could never be imposed, which
        the rules cannot say (an empty list means any session), so that drop is refused."""
        for k in self.data["rules"].get("sanctions", []):
            named = k.get("only_at") or []
            kept = [e for e in named if e not in self.dropped]
            if named and not kept:
                raise InterventionError(
                    f"--drop {', '.join(sorted(self.dropped & set(named)))}: the sanction "
                    f"{k['id']!r} may be imposed only at that session (rules.sanctions "
                    "only_at); drop leaves it none. Shift the session instead"
                )
            if named:
                k["only_at"] = kept

    def finish(self) -> Scenario:
        if self.dropped:
            waves = {self._wave(self.events[e]) for e in self.dropped} - {None}
            cohorts = self.data["party"]["cohorts"]
            gone = set(self.dropped)
            if len(waves) < len(cohorts):  # a dropped wave's members never join
                gone |= {c["id"] for i, c in enumerate(cohorts) if i in waves}
                cohorts[:] = [c for i, c in enumerate(cohorts) if i not in waves]
            # a factor that varies a dropped event or wave has nothing left to vary
            self.data["factors"] = [
                f for f in self.data.get("factors", []) if f["target"].split(".")[0] not in gone
            ]
            self.data["calendar"] = [
                e for e in self.data["calendar"] if e["id"] not in self.dropped
            ]
            # a decision that hangs on a dropped event never falls due; one that a dropped
            # event would have ended stays open
            self.data["decisions"] = [
                d for d in self.data["decisions"] if d.get("after") not in self.dropped
            ]
            for d in self.data["decisions"]:
                if d.get("before") in self.dropped:
                    d["before"] = None
            self._unlist_sessions()
        try:
            out = Scenario.model_validate(self.data)
        except ValidationError as exc:
            errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise InterventionError(f"the changed scenario is not valid: {errors}") from None
        problems = [f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in check_references(out)]
        if problems:
            raise InterventionError(f"the changed scenario is not valid: {'; '.join(problems)}")
        ForcedChoice(out, self.forced)
        return out


def apply(s: Scenario, interventions: Sequence[Intervention]) -> Applied:
    """Apply interventions to a scenario; every name is checked, every refusal explained."""
    if not interventions:
        return Applied(scenario=s, forced={}, params={}, earliest_month=None)
    edit = _Edit(s)
    for iv in interventions:
        _check_form(iv)
        if iv.kind == "do":
            edit.do(iv)
        elif iv.kind == "set":
            edit.assign(iv)
        elif iv.kind == "shift":
            edit.shift(iv)
        else:
            edit.drop(iv)
    return Applied(
        scenario=edit.finish(),
        forced=dict(edit.forced),
        params=dict(edit.params),
        earliest_month=min(edit.months) if edit.months else None,
    )
