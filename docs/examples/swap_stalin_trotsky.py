"""Character against position: swap Stalin's and Trotsky's data step by step and see who
wins (issue 12's swap tests).

    python docs/examples/swap_stalin_trotsky.py --runs 1000

Each step swaps more of what the scenario binds to the two men: their seven cited
traits; then their policy positions; then their enmities and careers; then the offices
they hold and the secretaries' patronage; then everything else keyed to them (the
factions they belong to and lead, every other actor's enmity toward them). Their
decision points stay theirs: they are the man's own choices, weighed by whatever traits
he now has. Same seed in every step (common random numbers).
"""

from __future__ import annotations

import argparse
from collections import Counter

from apparat.engine import compile_scenario
from apparat.engine.simulate import simulate
from apparat.scenario import Scenario, load_scenario

SWAP = {"stalin": "trotsky", "trotsky": "stalin"}


def swap_actors(s: Scenario, fields: list[str]) -> Scenario:
    """Stalin takes Trotsky's ``fields`` and Trotsky Stalin's (an enmity of one toward
    the other stays between the two)."""
    actors = list(s.actors)
    ids = [a.id for a in actors]
    i, j = ids.index("stalin"), ids.index("trotsky")
    a, b = actors[i], actors[j]
    new_a = {f: getattr(b, f) for f in fields}
    new_b = {f: getattr(a, f) for f in fields}
    for new in (new_a, new_b):
        if "enmities" in new:
            new["enmities"] = [
                e.model_copy(update={"with_": SWAP.get(e.with_, e.with_)}) for e in new["enmities"]
            ]
    actors[i], actors[j] = a.model_copy(update=new_a), b.model_copy(update=new_b)
    return s.model_copy(update={"actors": actors})


def swap_positions_held(s: Scenario) -> Scenario:
    """The offices each holds at the start, and the secretaries each has placed."""
    offices = [o.model_copy(update={"holder": SWAP.get(o.holder, o.holder)}) for o in s.offices]
    sec = s.party.secretaries
    patrons = {SWAP.get(k, k): v for k, v in sec.patrons.items()}
    party = s.party.model_copy(update={"secretaries": sec.model_copy(update={"patrons": patrons})})
    return s.model_copy(update={"offices": offices, "party": party})


def swap_everything_else(s: Scenario) -> Scenario:
    """The factions they belong to and lead, and every other actor's enmity toward them."""
    actors = [
        a
        if a.id in SWAP
        else a.model_copy(
            update={
                "enmities": [
                    e.model_copy(update={"with_": SWAP.get(e.with_, e.with_)}) for e in a.enmities
                ]
            }
        )
        for a in s.actors
    ]
    factions = [
        f.model_copy(
            update={
                "members": [SWAP.get(m, m) for m in f.members],
                "leader": SWAP.get(f.leader, f.leader) if f.leader else None,
            }
        )
        for f in s.factions
    ]
    return s.model_copy(update={"actors": actors, "factions": factions})


def steps(base: Scenario) -> dict[str, Scenario]:
    traits = swap_actors(base, ["traits"])
    positions = swap_actors(base, ["traits", "position"])
    personal = swap_actors(base, ["traits", "position", "enmities", "careers"])
    held = swap_positions_held(personal)
    return {
        "as the sources have it": base,
        "traits swapped": traits,
        "+ policy positions": positions,
        "+ enmities and careers": personal,
        "+ offices and secretaries": held,
        "+ factions, others' enmities": swap_everything_else(held),
    }


def winners(s: Scenario, runs: int, seed: int) -> Counter[str]:
    """Who is consolidated at the end, run by run."""
    c = compile_scenario(s)
    res = simulate(c, runs, seed=seed, chronicle=False)
    return Counter(c.actors[x] if x >= 0 else "no one" for x in res.outcomes.dominant_end)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    base = load_scenario("bolshevik_1923")
    for label, s in steps(base).items():
        won = winners(s, args.runs, args.seed)
        shares = ", ".join(f"{who} {100 * k / args.runs:.1f}%" for who, k in won.most_common())
        print(f"{label:30s} {shares}")


if __name__ == "__main__":
    main()
