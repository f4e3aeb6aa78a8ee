"""The combinatorics of the coalition game: every subset of the players, at once.

With k contenders there are 2^k - 1 possible coalitions; a run's question "does this
coalition hold a pair of sworn enemies?" or "does this line split a faction?" is asked
of all of them together. Pair questions become one product of a run's (R, pairs) flags
with a fixed (pairs, coalitions) table, exact in small integers and far cheaper than
a quadratic form per coalition.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]
B = NDArray[np.bool_]
Floats = NDArray[np.floating[Any]]


@lru_cache(maxsize=16)
def codes(k: int) -> list[int]:
    """Bit codes of the non-empty subsets of k players, ordered by size, then code."""
    return sorted(range(1, 2**k), key=lambda x: (bin(x).count("1"), x))


@lru_cache(maxsize=16)
def subsets(k: int) -> tuple[NDArray[np.bool_], list[NDArray[np.intp]]]:
    """Membership masks of all non-empty subsets of k players, by size, and each one's
    proper non-empty subsets."""
    cs = codes(k)
    masks = np.array([[(x >> i) & 1 for i in range(k)] for x in cs], dtype=bool)
    pos = {x: n for n, x in enumerate(cs)}
    proper = [np.array([pos[y] for y in cs if y != x and (y & x) == y], dtype=np.intp) for x in cs]
    return masks, proper


@lru_cache(maxsize=16)
def position_of_code(k: int) -> NDArray[np.intp]:
    """(2^k,): where each bit code sits in :func:`codes` (-1 for the empty set)."""
    out = np.full(2**k, -1, dtype=np.intp)
    out[codes(k)] = np.arange(2**k - 1)
    return out


@lru_cache(maxsize=16)
def pair_tables(
    k: int,
) -> tuple[NDArray[np.intp], NDArray[np.intp], dict[str, NDArray[np.float32]]]:
    """The pairs (i < j) of k players and, per pair and coalition, whether the coalition
    holds both ("both"), exactly one ("split") or neither ("neither"); plus "member"."""
    i, j = np.triu_indices(k, 1)
    masks, _ = subsets(k)
    a, b = masks[:, i], masks[:, j]
    tables = {
        "both": (a & b).T,
        "split": (a ^ b).T,
        "neither": (~a & ~b).T,
        "member": masks.T,
        "outside": ~masks.T,
    }
    return i, j, {name: t.astype(np.float32) for name, t in tables.items()}


@lru_cache(maxsize=16)
def supersets(k: int) -> NDArray[np.float32]:
    """(N, N): 1 where coalition y (column) strictly contains coalition x (row)."""
    masks, _ = subsets(k)
    m = masks.astype(np.int64)
    inside = (m @ m.T) == m.sum(axis=1)[:, None]  # x within y
    np.fill_diagonal(inside, False)
    return inside.astype(np.float32)


def any_pair(flags: B, table: str, k: int, diagonal: B | None = None) -> B:
    """(R, N): whether some flagged pair (``flags`` (R, k, k), either orientation) falls
    in each coalition as ``table`` says; ``diagonal`` (R, k) adds single members, read
    through "member" or, for the "neither" table, "outside"."""
    i, j, tables = pair_tables(k)
    pairs = (flags[:, i, j] | flags[:, j, i]).astype(np.float32)
    hits = pairs @ tables[table]
    if diagonal is not None:
        single = "outside" if table == "neither" else "member"
        hits += diagonal.astype(np.float32) @ tables[single]
    return hits > 0


def bad_pairs(bad: B, k: int, within: B | None = None, table: str = "both") -> B:
    """(R, N): whether a coalition holds a pair marked in ``bad`` (R, k, k), counting
    only players in ``within`` (R, k) when given (a run's group)."""
    flags = bad if within is None else bad & within[:, :, None] & within[:, None, :]
    if table == "split":  # a player is never on both sides of a line
        return any_pair(flags, table, k)
    diag = np.diagonal(flags, axis1=1, axis2=2)
    return any_pair(flags, table, k, diag if diag.any() else None)


def quadratic(left: Floats, mat: Floats, right: Floats) -> Floats:
    """(R, N): sum over i, j of left[n, i] * mat[r, i, j] * right[n, j], where ``left``
    and ``right`` are (N, k) or run-specific (R, N, k): one batched matmul, then a sum."""
    return np.einsum(
        "rnj,rnj->rn",
        np.matmul(left, mat),
        np.broadcast_to(right, (mat.shape[0], *right.shape[-2:])),
    )


def self_enforcing(power: F, eligible: B, can_deviate: B, majority: float | F, k: int) -> B:
    """(R, 2^k - 1): which coalitions are self-enforcing (AES 2008, recursively by size).

    X is self-enforcing unless some proper subset Y, itself self-enforcing and able to
    hold together (``can_deviate``: its members can stand each other), would be
    winning inside X and so do better by turning on the rest. ``majority`` is a number
    or (R, 1), one per run.
    """
    masks, proper = subsets(k)
    pw = power @ masks.T.astype(np.float64)
    se = np.zeros_like(eligible)
    for x, ys in enumerate(proper):
        if ys.size == 0:
            se[:, x] = eligible[:, x]
            continue
        able = se[:, ys] & can_deviate[:, ys]
        threat = (able & (pw[:, ys] > majority * pw[:, x : x + 1])).any(axis=1)
        se[:, x] = eligible[:, x] & ~threat
    return se
