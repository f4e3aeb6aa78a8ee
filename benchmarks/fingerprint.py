"""A fingerprint of everything the engine computes, to check that a speed-up changed nothing.

``python -m benchmarks.fingerprint`` prints one SHA-256 per case and one over all of
them: every history array, every outcome (choices included), the final state's arrays
and every chronicle entry (text, actors, citations and the 'why' of each), for both
bundled scenarios, two seeds, 300 narrated runs each, a 1,000-run ensemble without
the chronicle, a counterfactual arm (forced choice and a changed parameter) and a batch
of scattered global run indices. Run it before and after a change; the digests must match.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from typing import Any

import numpy as np


def _feed_array(h: Any, name: str, a: np.ndarray) -> None:
    a = np.ascontiguousarray(a)
    h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
    h.update(a.tobytes())


def _digest(res: Any) -> str:
    from dataclasses import fields

    h = hashlib.sha256()
    for f in fields(res.history):
        _feed_array(h, "h." + f.name, getattr(res.history, f.name))
    for f in fields(res.outcomes):
        v = getattr(res.outcomes, f.name)
        if isinstance(v, dict):
            for k in sorted(v):
                _feed_array(h, f"o.choice.{k}", np.asarray(v[k]))
        else:
            _feed_array(h, "o." + f.name, np.asarray(v))
    for e in res.chronicle:
        h.update(json.dumps(e.as_dict(), sort_keys=True, default=repr).encode())
    return h.hexdigest()


def cases() -> dict[str, Any]:
    """name -> a thunk returning a SimulationResult."""
    from apparat import load_scenario
    from apparat.engine import simulate
    from apparat.experiments.interventions import apply, parse
    from apparat.policies.forced import ForcedChoice

    out: dict[str, Any] = {}
    for scen in ("bolshevik_1923", "china_1976"):
        s = load_scenario(scen)
        for seed in (1, 2):
            out[f"{scen}/seed{seed}/300/chronicle"] = lambda s=s, seed=seed: simulate(
                s, 300, seed, chronicle=True
            )
        out[f"{scen}/seed3/1000"] = lambda s=s: simulate(s, 1000, 3, chronicle=False)
        out[f"{scen}/scattered"] = lambda s=s: simulate(
            s, np.array([5, 17, 17, 400, 2999, 12, 77]), 4, chronicle=[17, 400]
        )
    s = load_scenario("bolshevik_1923")
    app = apply(s, parse(do=["trotsky.xii_congress=attack"], set_=["oversight=0.2"]))
    out["bolshevik_1923/attack/200"] = lambda: simulate(
        app.scenario, 200, 5, policy_=ForcedChoice(app.scenario, app.forced), chronicle=5
    )
    rng = np.random.default_rng(0)  # a sweep's design: each row its own values
    sweep = {
        "oversight": rng.uniform(0.0, 0.6, 100),
        "stalin.intrigue": rng.uniform(0.0, 1.0, 100),
        "trotsky.resolve": rng.uniform(0.0, 1.0, 100),
    }
    out["bolshevik_1923/factors/100"] = lambda: simulate(s, 100, 6, chronicle=3, factors=sweep)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", default=None, help="run only the cases containing this text")
    args = ap.parse_args()
    total = hashlib.sha256()
    for name, thunk in cases().items():
        if args.only and args.only not in name:
            continue
        t = time.perf_counter()
        d = _digest(thunk())
        total.update(d.encode())
        print(f"{d[:16]}  {time.perf_counter() - t:6.2f}s  {name}", flush=True)
    print(f"all: {total.hexdigest()[:16]}")


if __name__ == "__main__":
    main()
