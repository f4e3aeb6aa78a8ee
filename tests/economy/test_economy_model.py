"""The consequences model: reproducible, paired across arms, responsive to the line, and
within the published spread of the record when driven by the record's policy."""

from __future__ import annotations

import numpy as np
import pytest

from apparat.economy import load_economy, programme_lines, simulate_economy
from apparat.economy.bridge import december_lines
from apparat.economy.summary import arms_table, by_winner, compare_with_record, headline

DATA = load_economy()
RUNS = 400


@pytest.fixture(scope="module")
def arms() -> dict[str, object]:
    return {
        p: simulate_economy(DATA, programme_lines(DATA, p, RUNS), seed=3) for p in DATA.programmes
    }


def test_same_seed_same_result_and_batches_do_not_matter() -> None:
    """Runs keyed by global index give the same outcomes in any batch."""
    lines = programme_lines(DATA, "stalin_course", 6)
    whole = simulate_economy(DATA, lines, seed=5)
    part = simulate_economy(DATA, lines[3:], seed=5, runs=np.arange(3, 6))
    np.testing.assert_array_equal(whole.values["grain_harvest"][3:], part.values["grain_harvest"])
    other = simulate_economy(DATA, lines, seed=6)
    assert not np.allclose(whole.values["grain_harvest"], other.values["grain_harvest"])


def test_paired_arms_share_weather_and_parameters() -> None:
    """Identical lines in two arms differ by exactly zero; the weather is common to both."""
    a = simulate_economy(DATA, programme_lines(DATA, "nep_continued", 50), seed=2)
    b = simulate_economy(DATA, programme_lines(DATA, "nep_continued", 50), seed=2)
    table = arms_table({"a": a, "b": b}, base="a")
    assert np.allclose(table[table["arm"] == "b"]["diff_median"].to_numpy(), 0.0)
    c = simulate_economy(DATA, programme_lines(DATA, "stalin_course", 50), seed=2)
    for name in a.parameters:
        np.testing.assert_array_equal(a.parameters[name], c.parameters[name])


def test_no_coercion_no_collectivisation_and_no_war_without_adventurism(arms) -> None:
    """The NEP line collectivises almost no one and carries no risk of a Western war."""
    nep = arms["nep_continued"]
    assert nep.values["collectivised_share"].max() < 0.1
    assert nep.values["war_risk"].max() == 0.0
    assert arms["left_industrialisation"].at("war_risk", 1941).mean() > 0.1


def test_forced_course_industrialises_faster_and_kills_more_than_the_nep(arms) -> None:
    """More investment means more industry by 1941; forced procurement means famine."""
    stalin, nep = headline(arms["stalin_course"]), headline(arms["nep_continued"])
    assert np.median(stalin["industrial_output_1941"]) > np.median(nep["industrial_output_1941"])
    assert (
        np.median(stalin["excess_deaths_1930_1934"])
        > np.median(nep["excess_deaths_1930_1934"]) + 1.0
    )


def test_record_policy_reproduces_the_record_within_tolerance(arms) -> None:
    """Driven by the record's policy, the model's 5-95 % band lies within each series'
    stated tolerance of the published envelope in nearly every series and year."""
    table = compare_with_record(arms["stalin_course"], DATA)
    assert len(table) >= 20
    assert table["within"].mean() >= 0.9, table[~table["within"]]
    core = table[table["series"].isin(["procurement", "gdp", "urban_population", "excess_deaths"])]
    assert core["within"].all(), core[~core["within"]]


def test_december_lines_pick_each_december_from_the_year_before() -> None:
    """The line of December 1927 sets 1928, December 1928 sets 1929, and so on."""
    labels = [f"{y}-{m:02d}" for y in range(1926, 1931) for m in range(1, 13)]
    line = np.arange(len(labels) * 3, dtype=float).reshape(1, len(labels), 3)
    got = december_lines(labels, line, 1928)
    assert got.shape == (1, 4, 3)
    assert got[0, 0, 0] == line[0, labels.index("1927-12"), 0]
    assert got[0, -1, 0] == line[0, labels.index("1930-12"), 0]


def test_by_winner_counts_runs_per_leader(arms) -> None:
    """The table by winner reports how many runs stand behind each row."""
    cons = arms["nep_continued"]
    cons.dominant = ["stalin"] * 10 + [None] * (RUNS - 10)
    table = by_winner(cons, ["stalin", "trotsky", "no one"])
    runs = table.groupby("dominant")["runs"].first()
    assert runs["stalin"] == 10
    assert runs["trotsky"] == 0
    assert runs["no one"] == RUNS - 10
