"""Checks that the parts of a scenario agree where the schema alone cannot say so.

Each of these was once accepted without a word and then ignored or misread by the
engine: a repeated id (the last one silently wins), a role given to a body of another
kind (the congress sitting as the executive), an executive with no members, a horizon
of thousands of months, a decision that requires a sanction heavier than the heaviest
it allows, two deputies for one office, a succession chain that comes back to itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from apparat.scenario.models import MAX_MONTHS, Scenario
from apparat.scenario.office_checks import check_offices

Problem = tuple[tuple[str | int, ...], str]
ROLES = ("congress", "central_committee", "executive")


def months_between(start: str, end: str) -> int:
    """Months from ``start`` to ``end`` (both 'YYYY-MM'), counting neither end."""
    y0, m0 = (int(x) for x in start.split("-"))
    y1, m1 = (int(x) for x in end.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


def _unique(ids: Iterable[str], loc: tuple[str | int, ...], what: str) -> list[Problem]:
    seen: set[str] = set()
    out: list[Problem] = []
    for i, name in enumerate(ids):
        if name in seen:
            out.append(((*loc, i, "id"), f"duplicate {what} id '{name}'"))
        seen.add(name)
    return out


def _ids(s: Scenario) -> list[Problem]:
    """Ids that must be unique in lists the reference checks do not cover."""
    out = _unique((src.id for src in s.sources), ("sources",), "source")
    out += _unique((d.id for d in s.disputes), ("disputes",), "dispute")
    for i, dispute in enumerate(s.disputes):
        out += _unique((c.id for c in dispute.claims), ("disputes", i, "claims"), "claim")
    for i, d in enumerate(s.decisions):
        out += _unique((o.id for o in d.options), ("decisions", i, "options"), "option")
    return out


def _roles(s: Scenario) -> list[Problem]:
    """Each role on a body of that kind; an executive with someone in it."""
    bodies = {b.id: b for b in s.bodies}
    out: list[Problem] = []
    for role in ROLES:
        body = bodies.get(getattr(s.roles, role))
        if body is None:
            continue  # an unknown body: the reference checks say so
        if body.role != role:
            out.append(
                (("roles", role),
                 f"'{body.id}' is a body of role '{body.role}', so it cannot be the {role}")
            )  # fmt: skip
    for i, body in enumerate(s.bodies):
        if body.id == s.roles.executive and not body.members:
            out.append(
                (("bodies", i, "members"),
                 f"the executive '{body.id}' has no members: no one would rule at the start")
            )  # fmt: skip
    return out


def _horizon(s: Scenario) -> list[Problem]:
    start, end = s.scenario.start, s.scenario.end
    months = months_between(start, end) + 1
    if months > MAX_MONTHS:
        return [
            (("scenario", "end"),
             f"the scenario runs {months:,} months ({start} to {end}), more than the "
             f"{MAX_MONTHS} a run may hold")
        ]  # fmt: skip
    return []


def _sanction_bounds(s: Scenario) -> list[Problem]:
    """min_sanction no heavier than max_sanction, compared by rank (an id or a number)."""
    ranks = {x.id: k + 1 for k, x in enumerate(s.rules.sanctions)}
    out: list[Problem] = []
    for i, d in enumerate(s.decisions):
        low, high = d.requires.min_sanction, d.requires.max_sanction
        lo = ranks.get(low) if isinstance(low, str) else low
        hi = ranks.get(high) if isinstance(high, str) else high
        if lo is not None and hi is not None and lo > hi:
            out.append(
                (("decisions", i, "requires", "min_sanction"),
                 f"min_sanction '{low}' (rank {lo}) is heavier than max_sanction '{high}' "
                 f"(rank {hi}): no one could ever take the decision")
            )  # fmt: skip
    return out


def _successions(s: Scenario) -> list[Problem]:
    """At most one deputy per office, and no chain of deputies or ex officio holders
    that comes back to where it began (naming itself is reported elsewhere)."""
    out: list[Problem] = []
    deputy: dict[str, str] = {}
    for i, o in enumerate(s.offices):
        if o.deputy_of is None:
            continue
        if o.deputy_of in deputy:
            out.append(
                (("offices", i, "deputy_of"),
                 f"'{o.deputy_of}' already has the deputy '{deputy[o.deputy_of]}'; "
                 "an office has at most one")
            )  # fmt: skip
        deputy.setdefault(o.deputy_of, o.id)
    for key in ("deputy_of", "ex_officio"):
        nxt = {o.id: getattr(o, key) for o in s.offices if getattr(o, key) not in (None, o.id)}
        reported: set[str] = set()
        for i, o in enumerate(s.offices):
            chain = [o.id]
            while chain[-1] in nxt and nxt[chain[-1]] not in chain:
                chain.append(nxt[chain[-1]])
            if chain[-1] in nxt and nxt[chain[-1]] == o.id and o.id not in reported:
                reported.update(chain)
                out.append(
                    (("offices", i, key),
                     f"the {key} chain {' -> '.join([*chain, o.id])} comes back to itself")
                )  # fmt: skip
    return out


def check_consistency(s: Scenario) -> list[Problem]:
    """Every disagreement between parts of the scenario, with the key path where it is."""
    return (
        _ids(s) + _roles(s) + _horizon(s) + _sanction_bounds(s) + _successions(s)
        + check_offices(s)
    )  # fmt: skip
