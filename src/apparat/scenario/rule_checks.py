"""Cross-checks between a scenario's rules and the rest of it: every axis an actor or an
event names is declared, every sanction named exists, every office the rules give a
role to exists and (for force) is held by someone at the start."""

from __future__ import annotations

from apparat.scenario.models import Scenario

Problem = tuple[tuple[str | int, ...], str]


def check_rules(s: Scenario) -> list[Problem]:
    rules = s.rules
    axes = [a.id for a in rules.axes]
    sanctions = [x.id for x in rules.sanctions]
    offices = {o.id: o for o in s.offices}
    out: list[Problem] = []
    for i, a in enumerate(s.actors):
        missing = [x for x in axes if x not in a.position]
        unknown = [x for x in a.position if x not in axes]
        if missing:
            out.append(
                (("actors", i, "position"), f"no position on the axis/axes {', '.join(missing)}")
            )
        for x in unknown:
            out.append(
                (("actors", i, "position", x), f"unknown axis '{x}' (axes: {', '.join(axes)})")
            )
        if a.sanction is not None and a.sanction not in sanctions:
            out.append(
                (("actors", i, "sanction"),
                 f"unknown sanction '{a.sanction}' (the rules' sanctions: {', '.join(sanctions)})")
            )  # fmt: skip
    for i, ev in enumerate(s.calendar):
        for x in [*ev.salience, *([ev.blame_axis] if ev.blame_axis else [])]:
            if x not in axes:
                out.append(
                    (("calendar", i), f"unknown axis '{x}' (axes: {', '.join(axes)})")
                )  # fmt: skip
    for i, d in enumerate(s.decisions):
        for key in ("min_sanction", "max_sanction"):
            value = getattr(d.requires, key)
            loc: tuple[str | int, ...] = ("decisions", i, "requires", key)
            if isinstance(value, str) and value not in sanctions:
                out.append((loc, f"unknown sanction '{value}' (sanctions: {', '.join(sanctions)})"))
            elif isinstance(value, int) and not 0 <= value <= len(sanctions):
                out.append((loc, f"rank {value} is outside 0..{len(sanctions)}"))
    events = {e.id for e in s.calendar}
    decisions = {d.id: d for d in s.decisions}
    offices_ids = set(offices)
    actors = {a.id for a in s.actors}
    for i, d in enumerate(s.decisions):
        for key in ("after", "before"):
            name = getattr(d, key)
            if name is not None and name not in events:
                out.append(((("decisions", i, key)), f"unknown event '{name}'"))
        for name, option in d.requires.chosen.items():
            loc = ("decisions", i, "requires", "chosen", name)
            if name not in decisions:
                out.append((loc, f"unknown decision '{name}'"))
            elif option not in [o.id for o in decisions[name].options]:
                out.append((loc, f"decision '{name}' has no option '{option}'"))
            elif name == d.id:
                out.append((loc, "a decision cannot depend on its own choice"))
        for j, name in enumerate(d.requires.holds):
            if name not in offices_ids:
                out.append((("decisions", i, "requires", "holds", j), f"unknown office '{name}'"))
        for k, opt in enumerate(d.options):
            eff = opt.effects
            loc = ("decisions", i, "options", k, "effects")
            for x in [*eff.position, *eff.salience, *eff.mood]:
                if x not in axes:
                    out.append((loc, f"unknown axis '{x}' (axes: {', '.join(axes)})"))
            if eff.target is not None and eff.target not in actors:
                out.append(((*loc, "target"), f"unknown actor '{eff.target}'"))
            if eff.motion == "sanction" and eff.sanction not in sanctions:
                out.append(
                    ((*loc, "sanction"),
                     f"a sanction motion needs one of the rules' sanctions ({', '.join(sanctions)})")
                )  # fmt: skip
            if eff.motion in ("censure", "sanction") and eff.target is None and eff.office is None:
                out.append((loc, "a censure or sanction motion needs a 'target' or an 'office'"))
    for j, name in enumerate(rules.force.offices):
        office = offices.get(name)
        if office is None:
            out.append(
                (("rules", "force", "offices", j),
                 f"unknown office '{name}' (offices: {', '.join(offices)})")
            )  # fmt: skip
        elif office.holder is None:
            out.append(
                (("rules", "force", "offices", j),
                 f"force office '{name}' has no holder at the start: no one would command it")
            )  # fmt: skip
    kinds = {e.id: e.kind for e in s.calendar}
    for k, sanction in enumerate(rules.sanctions):
        for j, name in enumerate(sanction.only_at):
            loc = ("rules", "sanctions", k, "only_at", j)
            if name not in kinds:
                out.append((loc, f"unknown event '{name}'"))
            elif kinds[name] not in sanction.imposed_by:
                out.append(
                    (loc,
                     f"event '{name}' is a {kinds[name]}, which may not impose "
                     f"'{sanction.id}' (imposed_by: {', '.join(sanction.imposed_by)})")
                )  # fmt: skip
    for j, name in enumerate(rules.dominance.offices):
        if name not in offices:
            out.append(
                (("rules", "dominance", "offices", j),
                 f"unknown office '{name}' (offices: {', '.join(offices)})")
            )  # fmt: skip
    return out
