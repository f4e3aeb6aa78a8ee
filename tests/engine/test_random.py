"""Counter-based random streams: Philox4x32-10, and draws as pure functions of their coordinates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apparat.engine.random import Streams, normalize_seed, philox4x32

SEED = 20240521


def words(*values: int) -> tuple[np.ndarray, ...]:
    return tuple(np.array([v], dtype=np.uint64) for v in values)


# ---- Philox4x32-10 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counter", "key", "expected"),
    [
        pytest.param(
            (0, 0, 0, 0),
            (0, 0),
            (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8),
            id="zeros",
        ),
        pytest.param(
            (0xFFFFFFFF,) * 4,
            (0xFFFFFFFF,) * 2,
            (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD),
            id="ones",
        ),
        pytest.param(
            (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
            (0xA4093822, 0x299F31D0),
            (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
            id="pi",
        ),
    ],
)
def test_philox_matches_random123_known_answers(
    counter: tuple[int, int, int, int], key: tuple[int, int], expected: tuple[int, ...]
) -> None:
    """philox4x32 reproduces the Random123 known-answer vectors of Philox4x32-10."""
    out = philox4x32(words(*counter), key)
    assert tuple(int(w[0]) for w in out) == expected


def test_philox_is_elementwise_over_counter_arrays() -> None:
    """A vector of counters gives each counter the words it gets alone."""
    key = (0xA4093822, 0x299F31D0)
    counters = [(0, 0, 0, 0), (0xFFFFFFFF,) * 4, (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344)]
    batch = philox4x32(
        tuple(np.array(col, dtype=np.uint64) for col in zip(*counters, strict=True)), key
    )
    for i, counter in enumerate(counters):
        alone = philox4x32(words(*counter), key)
        assert [int(w[i]) for w in batch] == [int(w[0]) for w in alone]


# ---- draws are pure functions of (seed, run, stream, month, slot) ----------------------


def test_same_call_twice_gives_the_same_draws() -> None:
    """Asking for the same draws twice gives the same numbers: no state advances."""
    streams = Streams(SEED, 50)
    first = streams.uniform("test.a", 7, 5)
    np.testing.assert_array_equal(streams.uniform("test.a", 7, 5), first)
    np.testing.assert_array_equal(Streams(SEED, 50).uniform("test.a", 7, 5), first)
    np.testing.assert_array_equal(streams.normal("test.a", 7, 5), streams.normal("test.a", 7, 5))


def test_draws_have_one_row_per_run_and_one_column_per_slot() -> None:
    """uniform and normal return an array of shape (runs, slots)."""
    streams = Streams(SEED, 6)
    assert streams.uniform("test.a", 0, 4).shape == (6, 4)
    assert streams.normal("test.a", 0).shape == (6, 1)


def test_integer_run_count_means_runs_zero_to_n() -> None:
    """Streams(seed, n) draws for the runs 0..n-1."""
    np.testing.assert_array_equal(
        Streams(SEED, 10).uniform("test.a", 3, 4),
        Streams(SEED, np.arange(10)).uniform("test.a", 3, 4),
    )


@pytest.mark.parametrize("draw", ["uniform", "normal"])
def test_a_run_has_the_same_luck_in_any_batch(draw: str) -> None:
    """Run i's draws are equal in a batch of runs 0..99, alone, or in a shuffled batch."""
    full = getattr(Streams(SEED, 100), draw)("test.batch", 12, 8)
    order = np.random.default_rng(0).permutation(100)
    shuffled = getattr(Streams(SEED, order), draw)("test.batch", 12, 8)
    np.testing.assert_array_equal(shuffled, full[order])
    for i in (0, 1, 42, 99):
        alone = getattr(Streams(SEED, np.array([i])), draw)("test.batch", 12, 8)
        np.testing.assert_array_equal(alone[0], full[i])


@pytest.mark.parametrize(
    ("seed", "stream", "month"),
    [
        pytest.param(SEED + 1, "test.a", 5, id="seed"),
        pytest.param(SEED, "test.b", 5, id="stream"),
        pytest.param(SEED, "test.a", 6, id="month"),
    ],
)
def test_each_coordinate_changes_the_draws(seed: int, stream: str, month: int) -> None:
    """Changing the seed, the stream name or the month changes every draw."""
    base = Streams(SEED, 20).uniform("test.a", 5, 10)
    other = Streams(seed, 20).uniform(stream, month, 10)
    assert np.all(base != other)


def test_slots_and_runs_get_different_draws() -> None:
    """Different slots of one run, and different runs at one slot, get different draws."""
    draws = Streams(SEED, 20).uniform("test.a", 5, 10)
    assert len(np.unique(draws)) == draws.size


def test_explicit_slots_match_the_full_draw() -> None:
    """Draws for explicit 1-d slots equal the matching columns of the full draw."""
    streams = Streams(SEED, 30)
    full = streams.uniform("test.slots", 9, 12)
    slots = np.array([11, 0, 5])
    np.testing.assert_array_equal(streams.uniform("test.slots", 9, slots), full[:, slots])


@pytest.mark.parametrize("draw", ["uniform", "normal"])
def test_two_dimensional_slots_for_selected_rows_match_the_full_draw(draw: str) -> None:
    """Draws for 2-d slots with ``rows=`` equal the matching entries of the full draw."""
    streams = Streams(SEED, np.arange(100, 130))
    full = getattr(streams, draw)("test.rows", 4, 10)
    rows = np.array([3, 17, 5, 29])
    slots = np.array([[0, 9], [4, 4], [7, 1], [2, 8]])
    part = getattr(streams, draw)("test.rows", 4, slots, rows=rows)
    np.testing.assert_array_equal(part, full[rows[:, None], slots])


def test_one_dimensional_slots_for_selected_rows_match_the_full_draw() -> None:
    """Draws for 1-d slots with ``rows=`` equal those rows and columns of the full draw."""
    streams = Streams(SEED, 30)
    full = streams.uniform("test.rows", 4, 10)
    rows = np.array([29, 0, 13])
    slots = np.array([2, 7])
    part = streams.uniform("test.rows", 4, slots, rows=rows)
    np.testing.assert_array_equal(part, full[np.ix_(rows, slots)])


# ---- distributions ----------------------------------------------------------------------


def test_uniforms_lie_in_the_unit_interval_and_are_spread_evenly() -> None:
    """100,000 uniforms lie in [0, 1), have mean 0.5 and fill each decile to 10 %."""
    u = Streams(SEED, 1000).uniform("test.uniform", 3, 100).ravel()
    assert u.min() >= 0.0
    assert u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.01
    deciles = np.bincount((u * 10).astype(int), minlength=10) / u.size
    assert np.all(np.abs(deciles - 0.1) < 0.01), deciles


def test_normals_are_standard() -> None:
    """100,000 normals are finite with mean about 0 and standard deviation about 1."""
    z = Streams(SEED, 1000).normal("test.normal", 3, 100).ravel()
    assert np.all(np.isfinite(z))
    assert abs(z.mean()) < 0.02
    assert abs(z.std() - 1.0) < 0.02
    assert abs(np.mean(np.abs(z) < 1.0) - 0.6827) < 0.01


# ---- seeds ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2**64 - 1, np.int64(7), np.uint64(2**63)])
def test_normalize_seed_keeps_valid_integers(seed: int) -> None:
    """A non-negative integer below 2**64, Python or numpy, is kept as a Python int."""
    out = normalize_seed(seed)
    assert type(out) is int
    assert out == int(seed)


def test_normalize_seed_draws_a_fresh_seed_for_none() -> None:
    """None becomes a non-negative integer seed that a later run can reuse."""
    seed = normalize_seed(None)
    assert type(seed) is int
    assert 0 <= seed < 2**64


@pytest.mark.parametrize(
    ("seed", "error", "message"),
    [
        pytest.param(-1, ValueError, r"between 0 and 2\*\*64 - 1, not -1", id="negative"),
        pytest.param(2**64, ValueError, rf"between 0 and 2\*\*64 - 1, not {2**64}", id="too-large"),
        pytest.param(1.0, TypeError, r"non-negative integer or None, not 1\.0", id="float"),
        pytest.param(True, TypeError, r"non-negative integer or None, not True", id="bool"),
        pytest.param("42", TypeError, r"non-negative integer or None, not '42'", id="str"),
    ],
)
def test_normalize_seed_refuses_what_is_not_a_seed(
    seed: object, error: type[Exception], message: str
) -> None:
    """Negative, too large, float, bool and string seeds are refused with a clear message."""
    with pytest.raises(error, match=message):
        normalize_seed(seed)  # type: ignore[arg-type]


def test_streams_normalise_their_seed() -> None:
    """Streams refuses a bad seed through the same helper."""
    with pytest.raises(ValueError, match="seed must be between 0 and 2"):
        Streams(-5, 3)


# ---- batch independence for any seed and any runs ---------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**64 - 1),
    runs=st.lists(st.integers(0, 2**63 - 1), min_size=1, max_size=12, unique=True),
    stream=st.text(min_size=1, max_size=12),
    month=st.integers(0, 400),
)
def test_batch_independence_holds_for_any_seed_and_runs(
    seed: int, runs: list[int], stream: str, month: int
) -> None:
    """For any seed and run indices, each run draws alone what it draws in the batch."""
    batch = Streams(seed, np.array(runs, dtype=np.int64))
    uniform, normal = batch.uniform(stream, month, 3), batch.normal(stream, month, 3)
    for i, run in enumerate(runs):
        alone = Streams(seed, np.array([run], dtype=np.int64))
        np.testing.assert_array_equal(alone.uniform(stream, month, 3)[0], uniform[i])
        np.testing.assert_array_equal(alone.normal(stream, month, 3)[0], normal[i])


def test_small_draws_in_python_equal_the_vectorised_path() -> None:
    """Tiny draws take a pure-Python path; block for block it equals the numpy path."""
    from apparat.engine import random as rnd

    gen = np.random.default_rng(0)
    counter = tuple(gen.integers(0, 2**32, size=50, dtype=np.uint64) for _ in range(4))
    key = (0x12345678, 0x9ABCDEF0)
    vectorised = rnd.philox4x32(counter, key)  # 50 blocks: the numpy path
    for i in range(50):
        one = rnd.philox4x32(tuple(np.array([c[i]]) for c in counter), key)
        assert [int(w[0]) for w in one] == [int(w[i]) for w in vectorised]
