"""A Mesa 3 peer of apparat: the same model, written the way a Mesa user would write it.

It is the yardstick for apparat's speed: the same mechanisms, scenario data and
decision rules, one ``mesa.Model`` per run with leaders and secretaries as agents, and
``mesa.batch_run`` for ensembles. See README.md in this folder.
"""

from __future__ import annotations

import multiprocessing

_START = multiprocessing.get_start_method(allow_none=True)

import mesa  # noqa: E402  (Mesa forces "spawn" on import; put the process back below)

multiprocessing.set_start_method(_START, force=True)

from benchmarks.mesa_peer.model import PeerModel  # noqa: E402
from benchmarks.mesa_peer.run import run_peer  # noqa: E402

__all__ = ["PeerModel", "mesa", "run_peer"]
