"""The consequences data: loaded with its citations, and bad data refused with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from apparat.economy import load_economy, load_economy_dir
from apparat.errors import EconomyError
from apparat.scenario.loader import bundled_root

ECON = bundled_root() / "bolshevik_1923" / "economy"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled economy folder."""
    target = tmp_path / "economy"
    shutil.copytree(ECON, target)
    return target


def _edit(path: Path, old: str, new: str) -> int:
    """Replace the first line containing ``old``; return its 1-based line number."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if old in line:
            lines[i] = line.replace(old, new)
            path.write_text("".join(lines), encoding="utf-8")
            return i + 1
    raise AssertionError(f"{old!r} not in {path}")


def test_bundled_data_loads_with_every_series_and_programme() -> None:
    """The bundled data has parameters, the three programmes and alternative series."""
    d = load_economy()
    assert {"nep_continued", "left_industrialisation", "stalin_course"} <= set(d.programmes)
    assert len(d.variants("grain_harvest")) >= 2  # disagreements kept as variants
    assert all(p.low <= p.value <= p.high for p in d.parameters.values())


def test_every_parameter_cites_a_registered_source() -> None:
    """Each parameter's citation starts with a source id the economy or scenario knows."""
    d = load_economy()
    known = set(d.sources) | {f"S{i}" for i in range(5)}
    assert all(p.cite.split()[0].split(":")[0] in known for p in d.parameters.values())


def test_negative_harvest_names_file_and_line(copy: Path) -> None:
    """A negative value in series.csv is refused with the file and the line."""
    line = _edit(
        copy / "series.csv", "grain_harvest,official,1931,69.5", "grain_harvest,official,1931,-69.5"
    )
    with pytest.raises(EconomyError, match=rf"series\.csv:{line}: .*negative value -69\.5"):
        load_economy_dir(copy)


def test_gap_in_a_series_names_file_and_line(copy: Path) -> None:
    """A series with a missing year is refused, naming the line after the gap."""
    path = copy / "series.csv"
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    drop = next(i for i, ln in enumerate(text) if ln.startswith("procurement,dw2004,1930,"))
    del text[drop]
    path.write_text("".join(text), encoding="utf-8")
    with pytest.raises(
        EconomyError,
        match=rf"series\.csv:{drop + 1}: procurement dw2004: a gap in the years, 1929 then 1931",
    ):
        load_economy_dir(copy)


def test_unknown_series_and_source_are_refused(copy: Path) -> None:
    """A misspelt series or an unregistered source names the line."""
    line = _edit(copy / "series.csv", "exports,dw2004,1930", "exprots,dw2004,1930")
    with pytest.raises(EconomyError, match=rf"series\.csv:{line}: unknown series 'exprots'"):
        load_economy_dir(copy)


def test_parameter_outside_its_range_names_file_and_line(copy: Path) -> None:
    """A central value outside [low, high] is refused with its line in model.yaml."""
    line = _edit(copy / "model.yaml", "capital_share: {value: 0.30", "capital_share: {value: 0.90")
    with pytest.raises(
        EconomyError, match=rf"model\.yaml:{line}: parameter 'capital_share'.*outside"
    ):
        load_economy_dir(copy)


def test_parameter_citing_an_unknown_source_is_refused(copy: Path) -> None:
    """A citation of an unregistered work is refused."""
    _edit(
        copy / "model.yaml",
        'cite: "cggt2013_appendix §Table 1 calibrated parameters", note: "capital',
        'cite: "nobody1999", note: "capital',
    )
    with pytest.raises(EconomyError, match="cites unknown source 'nobody1999'"):
        load_economy_dir(copy)
