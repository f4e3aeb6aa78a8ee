"""The decomposition said in words: the sources' question answered with the figures.

The wording follows the intervals, never the point estimates alone: two parts are
ranked only when their intervals do not overlap; otherwise the text says that this
many runs cannot tell them apart.
"""

from __future__ import annotations

import pandas as pd

WORDS = {
    "structure": "structure (the apparatus, the rules of the game{character})",
    "character": "the leaders' characters",
    "agency": "the choices at the decision points",
    "chance": "chance (every other draw of the run)",
}
PLURAL = {"character", "agency"}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _iv(row: pd.Series, kind: str) -> str:
    return f"{_pct(row[kind])} [{_pct(row[f'{kind}_low'])}, {_pct(row[f'{kind}_high'])}]"


def _name(part: str, split: bool) -> str:
    text = WORDS.get(part, part)
    return text.format(character="" if split else ", the leaders' characters")


def verdict(
    label: str,
    mean: float,
    binary: bool,
    table: pd.DataFrame,
    runs: int,
    agency: str,
    forced: dict[str, str],
) -> str:
    """A short answer: the share of each part, then what follows from the intervals."""
    level = f"{_pct(mean)} of {runs:,} runs" if binary else f"mean {mean:.1f} over {runs:,} runs"
    if table["first"].isna().all():
        return f"{label}: {level}; it never varies, so there is no variance to split."
    rows = {str(r["part"]): r for _, r in table.iterrows()}
    split = "character" in rows
    lines = [f"{label}: {level}. Of its variance from run to run,"]
    for part, r in rows.items():
        verb, takes = ("explain", "take") if part in PLURAL else ("explains", "takes")
        lines.append(
            f"  {_name(part, split)} {verb} {_iv(r, 'first')} on {'their' if part in PLURAL else 'its'} own "
            f"and {takes} part in {_iv(r, 'total')};"
        )
    own = sum(float(r["first"]) for r in rows.values())
    if 0 <= own <= 1:
        lines.append(
            f"  the parts' own shares add up to {_pct(own)}; the other {_pct(1 - own)} is "
            "interaction: what each does depends on the others;"
        )
    else:
        lines.append(f"  the parts' own shares add up to {_pct(own)}: too few runs to read;")
    chance = rows.get("chance")
    if chance is not None:
        fixed = 1 - chance["total"]
        lo, hi = 1 - chance["total_high"], 1 - chance["total_low"]
        lines.append(
            f"  together, everything but chance fixes {_pct(fixed)} [{_pct(lo)}, {_pct(hi)}]; "
            "the rest needs chance."
        )
    conclusion = _conclusion(rows, split)
    if conclusion:
        lines.append(conclusion)
    how = (
        "as the actors' characters make them likely"
        if agency == "behavioural"
        else "with every option equally likely"
    )
    lines.append(f"(Choices drawn {how}" + (f"; forced: {forced}" if forced else "") + ".)")
    return "\n".join(lines)


def _conclusion(rows: dict[str, pd.Series], split: bool) -> str:
    causes = {p: r for p, r in rows.items() if p != "chance"}
    ranked = sorted(causes, key=lambda p: -float(causes[p]["first"]))
    parts = []
    chance = rows.get("chance")
    if chance is not None and chance["first_low"] > max(
        float(r["first_high"]) for r in causes.values()
    ):
        parts.append("Chance alone weighs more than any cause: the outcome was not predetermined.")
    if len(ranked) >= 2:
        a, b = causes[ranked[0]], causes[ranked[1]]
        if a["first_low"] > b["first_high"]:
            verb = "weigh" if ranked[0] in PLURAL else "weighs"
            parts.append(
                f"{_name(ranked[0], split).capitalize()} {verb} more than "
                f"{_name(ranked[1], split)} (their intervals do not overlap)."
            )
        else:
            parts.append(
                f"{_name(ranked[0], split).capitalize()} and {_name(ranked[1], split)} "
                "cannot be told apart with this many runs (their intervals overlap)."
            )
    return " ".join(parts)
