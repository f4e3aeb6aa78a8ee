"""Counter-based random streams: every draw is a pure function of its coordinates.

A draw is ``philox(key=hash(seed, stream), counter=(run, month, slot))``, with
Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3")
vectorised in numpy. So run *i* gets the same luck whatever batch, chunk or backend
it runs in; a factual run and its counterfactual twin share their luck (common random
numbers) except where the intervention changes what is drawn; and a new mechanism with
its own stream leaves every other stream untouched. No state advances: asking twice
gives the same numbers.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

SeedLike = int | None

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = 0x9E3779B9
_W1 = 0xBB67AE85
_MASK = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)
_ROUNDS = 10
_TWO_53 = float(2**53)

U32 = NDArray[np.uint64]


def normalize_seed(seed: SeedLike) -> int:
    """One place that turns a user's seed into the 64-bit integer every stream keys on."""
    if seed is None:
        return secrets.randbits(63)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be a non-negative integer or None, not {seed!r}")
    if not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed must be between 0 and 2**64 - 1, not {seed}")
    return int(seed)


_SMALL = 8  # below this many blocks, plain Python integers beat numpy's call overhead


def _philox_ints(c0: int, c1: int, c2: int, c3: int, k0: int, k1: int) -> tuple[int, ...]:
    """One Philox4x32-10 block in Python integers: the same function, for tiny draws."""
    for _ in range(_ROUNDS):
        p0 = 0xD2511F53 * c0
        p1 = 0xCD9E8D57 * c2
        c0, c1, c2, c3 = (
            (p1 >> 32) ^ c1 ^ k0,
            p1 & 0xFFFFFFFF,
            (p0 >> 32) ^ c3 ^ k1,
            p0 & 0xFFFFFFFF,
        )
        k0 = (k0 + _W0) & 0xFFFFFFFF
        k1 = (k1 + _W1) & 0xFFFFFFFF
    return c0, c1, c2, c3


def philox4x32(counter: tuple[U32, U32, U32, U32], key: tuple[int, int]) -> list[U32]:
    """Philox4x32-10 on arrays of 32-bit words held in uint64 (so products fit)."""
    c0, c1, c2, c3 = (np.asarray(c, dtype=np.uint64) for c in counter)
    if c0.size <= _SMALL:
        blocks = [
            _philox_ints(int(a), int(b), int(c), int(d), *key)
            for a, b, c, d in zip(c0.ravel(), c1.ravel(), c2.ravel(), c3.ravel(), strict=True)
        ]
        words = np.array(blocks, dtype=np.uint64).reshape(*c0.shape, 4)
        return [words[..., i] for i in range(4)]
    k0, k1 = key
    # the same rounds in place, in six buffers: no new arrays in the loop
    c0, c1, c2, c3 = (np.array(c, dtype=np.uint64) for c in (c0, c1, c2, c3))
    t0, t2 = np.empty_like(c0), np.empty_like(c0)
    for _ in range(_ROUNDS):
        p0 = np.multiply(c0, _M0, out=c0)
        p1 = np.multiply(c2, _M1, out=c2)
        np.right_shift(p1, _SHIFT, out=t0)  # the new c0: hi(p1) ^ c1 ^ k0
        t0 ^= c1
        t0 ^= np.uint64(k0)
        np.right_shift(p0, _SHIFT, out=t2)  # the new c2: hi(p0) ^ c3 ^ k1
        t2 ^= c3
        t2 ^= np.uint64(k1)
        np.bitwise_and(p1, _MASK, out=c1)  # the new c1: lo(p1)
        np.bitwise_and(p0, _MASK, out=c3)  # the new c3: lo(p0)
        c0, c2, t0, t2 = t0, t2, p0, p1
        k0 = (k0 + _W0) & 0xFFFFFFFF
        k1 = (k1 + _W1) & 0xFFFFFFFF
    return [c0, c1, c2, c3]


@lru_cache(maxsize=4096)
def stream_key(seed: int, stream: str) -> tuple[int, int]:
    """The Philox key of a named stream under a seed (a hash, so names never collide)."""
    digest = hashlib.blake2b(f"{seed}/{stream}".encode(), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little")


def _to_unit(hi: U32, lo: U32) -> NDArray[np.float64]:
    """Two 32-bit words to a double in [0, 1) with 53 random bits."""
    return ((hi >> np.uint64(5)).astype(np.float64) * 67108864.0 + (lo >> np.uint64(6))) / _TWO_53


def _slot_ids(slots: int | np.integer | NDArray[np.int64]) -> NDArray[np.int64]:
    """A count means slots 0..n-1; an array holds explicit slot ids."""
    if isinstance(slots, int | np.integer):
        return np.arange(int(slots), dtype=np.int64)
    return np.asarray(slots, dtype=np.int64)


class Streams:
    """The random streams of one batch of runs under one experiment seed.

    ``runs`` holds the global index of each row of the batch; draws depend on that
    index, never on the row, so any split of the runs into batches gives equal luck.
    """

    def __init__(self, seed: SeedLike, runs: NDArray[np.int64] | int) -> None:
        self.seed = normalize_seed(seed)
        idx = np.arange(runs, dtype=np.int64) if isinstance(runs, int) else np.asarray(runs)
        self.runs = idx.astype(np.uint64)

    def subset(self, rows: NDArray[np.intp]) -> Streams:
        """The streams of some rows of the batch: the same luck, run for run."""
        return Streams(self.seed, self.runs[rows].astype(np.int64))

    def _blocks(
        self, stream: str, month: int, rows: NDArray[np.intp] | None, slots: NDArray[np.int64]
    ) -> list[U32]:
        run = self.runs if rows is None else self.runs[rows]
        if slots.ndim == 1:
            run_b, slot_b = np.broadcast_arrays(run[:, None], slots[None, :].astype(np.uint64))
        else:
            run_b, slot_b = np.broadcast_arrays(run[:, None], slots.astype(np.uint64))
        month_w = np.full(run_b.shape, month & 0xFFFFFFFF, dtype=np.uint64)
        counter = (run_b & _MASK, month_w, slot_b & _MASK, run_b >> _SHIFT)
        return philox4x32(counter, stream_key(self.seed, stream))

    def uniform(
        self,
        stream: str,
        month: int,
        slots: int | NDArray[np.int64] = 1,
        rows: NDArray[np.intp] | None = None,
    ) -> NDArray[np.float64]:
        """Uniforms in [0, 1), shape (rows, slots): slot *s* of month *m* of each run.

        ``slots`` is a count (slots 0..n-1) or explicit slot ids, 1-d for all rows or
        2-d with one row of ids per selected row, to draw only for what happens.
        """
        w = self._blocks(stream, month, rows, _slot_ids(slots))
        return _to_unit(w[0], w[1])

    def normal(
        self,
        stream: str,
        month: int,
        slots: int | NDArray[np.int64] = 1,
        rows: NDArray[np.intp] | None = None,
    ) -> NDArray[np.float64]:
        """Standard normals by Box-Muller from the two uniforms of each Philox block."""
        w = self._blocks(stream, month, rows, _slot_ids(slots))
        u1 = 1.0 - _to_unit(w[0], w[1])  # (0, 1]: log is finite
        u2 = _to_unit(w[2], w[3])
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
