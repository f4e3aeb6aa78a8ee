"""Checks on the fields that say who may hold an office, and from when.

An office's ``requires`` names careers that some actor must have (else no one could
ever qualify and the requirement would be a silent no-op), unless it says the office is
left to professionals the scenario does not model (``unqualified: none``); ``from`` names a calendar
event or a month inside the scenario; ``incompatible`` names offices or bodies; and no
one may start holding two offices that the scenario says cannot go together.
"""

from __future__ import annotations

from apparat.scenario.models import Scenario

Problem = tuple[tuple[str | int, ...], str]
# the bodies whose seats an office can be incompatible with (the engine tracks these seats)
SEAT_ROLES = ("central_committee", "executive")


def _known(ids: set[str], value: str, kind: str, loc: tuple[str | int, ...]) -> list[Problem]:
    if value in ids:
        return []
    return [(loc, f"unknown {kind} '{value}' (known: {', '.join(sorted(ids)) or 'none'})")]


def check_offices(s: Scenario) -> list[Problem]:
    """Every problem with the offices' careers, creation dates and incompatibilities."""
    careers = {c.id for a in s.actors for c in a.careers}
    events = {e.id for e in s.calendar}
    offices = {o.id for o in s.offices}
    seats = {b.id for b in s.bodies if b.role in SEAT_ROLES}
    start, end = s.scenario.start, s.scenario.end
    out: list[Problem] = []
    for i, a in enumerate(s.actors):
        ids = [c.id for c in a.careers]
        for dup in sorted({x for x in ids if ids.count(x) > 1}):
            out.append((("actors", i, "careers"), f"career '{dup}' is named twice for '{a.id}'"))
    for i, o in enumerate(s.offices):
        loc: tuple[str | int, ...] = ("offices", i)
        for j, name in enumerate(o.requires):
            # a career no actor has is a slip, unless the office is said to be left to
            # professionals the scenario does not model (unqualified: none)
            if name not in careers and o.unqualified != "none":
                out.append(
                    ((*loc, "requires", j),
                     f"no actor has the career '{name}' that office '{o.id}' requires "
                     f"(careers in actors.yaml: {', '.join(sorted(careers)) or 'none'}); "
                     "write 'unqualified: none' if it is left to men the scenario does not model")
                )  # fmt: skip
        if o.from_ is not None:
            if o.from_[:1].isdigit():
                if not start <= o.from_ <= end:
                    out.append(
                        ((*loc, "from"), f"{o.from_} is outside the scenario ({start} to {end})")
                    )
            else:
                out += _known(events, o.from_, "calendar event", (*loc, "from"))
        for j, name in enumerate(o.incompatible):
            out += _known(
                offices | seats, name, "office or seat-holding body", (*loc, "incompatible", j)
            )
    holder = {o.id: o.holder for o in s.offices}
    for i, o in enumerate(s.offices):
        for j, name in enumerate(o.incompatible):
            if o.holder is not None and holder.get(name) == o.holder:
                out.append(
                    (("offices", i, "incompatible", j),
                     f"'{o.holder}' starts holding both '{o.id}' and '{name}', which the "
                     "scenario says cannot go together")
                )  # fmt: skip
    return out
