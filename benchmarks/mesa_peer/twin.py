"""Run-for-run check: given apparat's own random streams, the peer is apparat.

    python -m benchmarks.mesa_peer.twin --seed 7 --runs 200 [--first 0]

Each run is simulated by apparat and by the peer in ``streams="apparat"`` mode and
compared month by month: sanctions, ruling flags, blocs, office holders, executive
seats and the dominant actor exactly, power and prestige to 1e-6; at the end, the
outcome and the option taken at every decision. Exit status 1 at the first run that
differs.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import apparat
from apparat.engine.outcomes import History
from benchmarks.mesa_peer.model import PeerModel


def differences(model: PeerModel, history: History, row: int) -> list[str]:
    """Names of the monthly records in which the peer differs from apparat's run."""
    m, people = model.month, model.people
    exact = {
        "sanction": ([a.sanction for a in people], history.sanction[row, m]),
        "ruling": ([a.ruling for a in people], history.ruling[row, m]),
        "bloc": ([a.bloc for a in people], history.bloc[row, m]),
        "holder": (model.holder, history.holder[row, m]),
        "executive": ([a.executive and a.alive for a in people], history.executive[row, m]),
        "dominant": ([model.dominant], [history.dominant[row, m]]),
    }
    close = {
        "power": ([a.power for a in people], history.power[row, m]),
        "prestige": ([a.prestige for a in people], history.prestige[row, m]),
    }
    out = [k for k, (a, b) in exact.items() if not np.array_equal(np.asarray(a), np.asarray(b))]
    out += [k for k, (a, b) in close.items() if not np.allclose(a, b, rtol=0.0, atol=1e-6)]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--first", type=int, default=0, help="global index of the first run")
    args = ap.parse_args(argv)
    runs = np.arange(args.first, args.first + args.runs, dtype=np.int64)
    twin = apparat.simulate("bolshevik_1923", runs=runs, seed=args.seed, chronicle=False)
    for row, run in enumerate(runs.tolist()):
        model = PeerModel(run=run, seed=args.seed, streams="apparat")
        for _ in range(model.months):
            model.step()
            diff = differences(model, twin.history, row)
            if diff:
                print(f"run {run}, month {twin.label(model.month)}: differs in {', '.join(diff)}")
                return 1
        outcome = (model.dominant, model.consolidation_month())
        if outcome != (twin.outcomes.dominant_end[row], twin.outcomes.consolidation_month[row]):
            print(f"run {run}: outcome differs")
            return 1
        chosen = {k: int(v[row]) for k, v in twin.outcomes.choices.items()}
        if model.choices != chosen:
            print(f"run {run}: decisions differ")
            return 1
    print(f"{runs.size} of {runs.size} runs identical to apparat month by month (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
