"""A scenario's factors: declared with cited ranges, checked when the scenario loads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_bundled_sources import SOURCES_DIR, citation_problems

from apparat import load_scenario
from apparat.errors import ScenarioError
from apparat.scenario import Scenario
from apparat.scenario.factors import baseline_value

TOY = Path(__file__).resolve().parents[1] / "data" / "toy_triad.yaml"


def test_the_bundled_scenario_declares_ten_to_thirty_cited_factors(bolshevik: Scenario) -> None:
    """Between 10 and 30 factors (a Sobol' analysis costs runs in proportion), structure
    and character both, each citing a source."""
    assert 10 <= len(bolshevik.factors) <= 30
    assert {f.group for f in bolshevik.factors} == {"structure", "character"}
    assert all(f.cite for f in bolshevik.factors)


def test_every_factor_range_brackets_the_scenario_value(bolshevik: Scenario) -> None:
    """Each range contains the value the scenario itself uses: analysis varies the
    scenario around its own claims, not somewhere else."""
    outside = [
        f"{f.target}: {baseline_value(bolshevik, f.target)} not in [{f.low}, {f.high}]"
        for f in bolshevik.factors
        if not f.low <= baseline_value(bolshevik, f.target) <= f.high
    ]
    assert not outside, outside


def test_factor_citations_hold_their_quotes(bolshevik: Scenario) -> None:
    """Every citation behind a factor's range points at a line holding its quote."""
    if not SOURCES_DIR.is_dir():
        pytest.skip("source documents not found")
    assert not citation_problems(bolshevik.factors, bolshevik.sources)


def with_factors(tmp_path: Path, factors: list[dict[str, object]]) -> Path:
    data = yaml.safe_load(TOY.read_text(encoding="utf-8"))
    data["factors"] = factors
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def factor(target: str, low: float = 0.1, high: float = 0.4, **more: object) -> dict[str, object]:
    return {"target": target, "low": low, "high": high, "cite": "T1:1", **more}


@pytest.mark.parametrize(
    ("factors", "message"),
    [
        ([factor("overseeing")], r"factors\[0\]\.target: unknown parameter 'overseeing'"),
        ([factor("alpha.charm")], r"actor 'alpha' has no trait or axis 'charm'"),
        ([factor("omega.prestige")], r"'omega' is no actor or body"),
        ([factor("oversight", 0.5, 1.5)], r"range \[0.5, 1.5\] of oversight leaves its bounds"),
        ([factor("alpha.economy", -2, 0)], r"leaves its bounds \[-1, 1\]"),
        ([factor("oversight", 0.4, 0.1)], r"'low' \(0.4\) must be below 'high' \(0.1\)"),
        (
            [factor("oversight"), factor("presidium.oversight")],
            r"presidium.oversight names the same thing as oversight",
        ),
        ([factor("oversight", group="luck")], r"group: Input should be 'structure' or 'character'"),
        ([factor("oversight", step=0.1)], r"step: Extra inputs are not permitted"),
        (
            [factor("chancellery.patronage")],
            r"'chancellery' is no office of toy_triad \(offices: first_secretary, army\)",
        ),
        (
            [factor("army.force", 0.5, 1.5)],
            r"range \[0.5, 1.5\] of army.force leaves its bounds \[0, 1\]",
        ),
        (
            [factor("veterans.members", 10, 50)],
            r"'veterans' is no cohort of toy_triad \(cohorts: members\)",
        ),
        (
            [factor("plenum_1951.blame_direction")],
            r"'plenum_1951' is no shock of toy_triad \(shocks: none\)",
        ),
        ([factor("members.members", -5, 50)], r"leaves its bounds \[0, 1e\+06\]"),
    ],
)
def test_bad_factors_are_reported_with_file_and_line(
    tmp_path: Path, factors: list[dict[str, object]], message: str
) -> None:
    """An unknown target, a range outside the target's bounds, an empty range, a repeat,
    a bad group or an unknown key is a ScenarioError naming the file and line."""
    path = with_factors(tmp_path, factors)
    with pytest.raises(ScenarioError, match=message) as info:
        load_scenario(path)
    assert f"{path}:" in str(info.value)


def test_good_factors_load(tmp_path: Path) -> None:
    """Parameters, body parameters, traits, axes, office resources and cohort sizes all load."""
    targets = ["oversight", "alpha.prestige", "army.force", "members.members"]
    s = load_scenario(
        with_factors(
            tmp_path,
            [factor(t) for t in targets] + [factor("beta.economy", -0.5, 0.5)],
        )
    )
    assert [f.target for f in s.factors] == [*targets, "beta.economy"]
    assert baseline_value(s, "army.force") == 1.0
    assert baseline_value(s, "members.members") == 100.0
