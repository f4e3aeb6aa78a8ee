"""``apparat play``: take one contender's decisions in the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.prompt import Prompt
from rich.table import Table
from rich.text import Text

from apparat.cli.render import compact_cites, pct
from apparat.engine.chronicle import Entry
from apparat.policies.interactive import Situation

if TYPE_CHECKING:  # the game's machinery (pandas, the store) loads when a game starts
    from apparat.experiments.play import Verdict

ROUTINE = {"apparatus"}  # monthly bookkeeping, not events a player needs at a decision
EXPLAIN = (
    "Power is a leader's share of the weight in the struggle (offices, Politburo and CC "
    "seats, congress delegates, force, standing; all leaders' shares sum to 100%). "
    "Prestige is his standing with the party, 0 to 1: it earns delegates and votes, and "
    "motions, sanctions and recantations cost it."
)
MAX_EVENTS = 40


def show_events(console: Console, heading: str, entries: list[Entry]) -> None:
    """Events in order, the first ones first: they are what the player's choice did."""
    shown = [e for e in entries if e.kind not in ROUTINE]
    if not shown:
        return
    console.print(Text(heading, style="bold"))
    for e in shown[:MAX_EVENTS]:
        style = "cyan" if e.kind == "decision" else ""
        console.print(Text(f"  {e.date}  {e.text}", style=style))
    if len(shown) > MAX_EVENTS:
        console.print(Text(f"  … and {len(shown) - MAX_EVENTS} more", style="dim"))


def offices_table(offices: list[tuple[str, str]]) -> Table:
    """Office → holder, one line each (long office names cut), so the list reads at a glance."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="Offices", title_justify="left")
    table.add_column("Office", max_width=48, no_wrap=True, overflow="ellipsis")
    table.add_column("Holder", no_wrap=True)
    for office, holder in offices:
        table.add_row(office, holder)
    return table


def show_situation(console: Console, s: Situation, first: bool, last_choice: str | None) -> None:
    """The world as the player's actor sees it when a decision falls due: what his last
    choice did and what followed (last_choice None: the first screen; "": a resumed game),
    who leads, who holds what, then the question."""
    console.rule(Text(f"{s.date} — your decision", style="bold yellow"))
    heading = (
        "Since the start:"
        if last_choice is None
        else f"What your choice ({last_choice or 'your last'}) did, and what followed:"
    )
    show_events(console, heading, s.recent)
    leaders = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="Leaders", title_justify="left")
    for col in ("Leader", "Power", "Prestige"):
        leaders.add_column(col, justify="right" if col != "Leader" else "left")
    for name, power, prestige in s.leaders:
        leaders.add_row(name, pct(power), f"{prestige:.2f}")
    console.print(leaders)
    if first:
        console.print(Text(EXPLAIN, style="dim"))
    for leader, members, ruling in s.blocs:
        label = "Ruling coalition" if ruling else "Bloc"
        console.print(Text(f"{label} of {leader}: {', '.join(members)}"))
    console.print(offices_table(s.offices))
    console.print(Text(s.question, style="bold"))
    for n, o in enumerate(s.options, start=1):
        console.print(Text(f"  {n}. {o.label} — {o.description}"))
        console.print(Text(f"     {compact_cites(o.cites)}", style="dim"))


def show_verdict(console: Console, v: Verdict, name: str) -> None:
    """The player's outcome against history's choices, and which choices mattered."""
    console.rule(Text("How it ended", style="bold"))
    if v.decided == 0:
        console.print(
            Text(
                f"None of {name}'s decisions came up in this game (he was not in a position "
                "to make them); try another seed.",
                style="bold",
            )
        )
    at = "at the end"
    if v.gone:
        at = f"in {v.judged}, before he left the struggle"
        console.print(Text(f"{v.gone}: {name} is judged {at}, not on what came after."))
    made = "you made it" if v.in_executive else "you did not"
    console.print(
        Text(
            f"{name} still in the executive {at}: {pct(v.baseline_in_executive)} of "
            f"{v.baseline_runs} runs in which he chose as history did; {made}."
        )
    )
    console.print(
        Text(
            f"{name} consolidated power in {pct(v.baseline_dominant)} of those runs; "
            f"in your game {v.dominant or 'no one'} did."
        )
    )
    if v.mattered:
        console.print(
            Text("Your choices against history's, by how much each mattered:", style="bold")
        )
        for m in v.mattered:
            played = m.out_played or "never"
            then = m.out_then or "never"
            console.print(
                Text(
                    f"  {m.question} You: {m.chosen_label}; history: {m.historical_label}. "
                    f"Mean power {100 * m.power_change:+.1f} points; out of the executive "
                    f"{played} (with history's choice: {then}, {m.fate_then})."
                )
            )


def play_command(
    as_: Annotated[str, typer.Option("--as", help="The contender whose decisions you take.")],
    seed: Annotated[int, typer.Option(min=0, help="The game's seed.")] = 1,
    save: Annotated[
        Path | None, typer.Option(help="Save the game here after each decision.")
    ] = None,
    resume: Annotated[Path | None, typer.Option(help="Resume a saved game.")] = None,
    replay_file: Annotated[
        Path | None, typer.Option("--replay", help="Replay a saved game without asking.")
    ] = None,
    scenario: Annotated[str, typer.Option("--scenario", "-s")] = "bolshevik_1923",
) -> None:
    """Take a contender's decisions; every other actor follows his behavioural policy."""
    from apparat.experiments.play import Game, aftermath, play, replay, verdict

    console = Console()
    if replay_file is not None:
        game = Game.load(replay_file)
        res = replay(game)
    else:
        game = Game.load(resume) if resume else Game(as_, seed, 0, scenario)
        target = save or resume
        chosen: list[str] = []  # labels of the options chosen so far, for the next screen
        resumed = bool(game.answers)

        def ask(s: Situation) -> str:
            last = chosen[-1] if chosen else ("" if resumed else None)  # "": saved earlier
            show_situation(console, s, not chosen, last)
            picked = Prompt.ask(
                "Your choice",
                choices=[str(n) for n in range(1, len(s.options) + 1)],
                console=console,
            )
            choice = s.options[int(picked) - 1].id
            hist = next(o.label for o in s.options if o.id == s.historical)
            console.print(Text(f"History chose: {hist}.", style="italic"))
            chosen.append(s.options[int(picked) - 1].label)
            game.answers[s.decision] = choice
            if target is not None:
                game.save(target)
            return choice

        res = play(game, ask)
        if target is not None:
            game.save(target)
        last = chosen[-1] if chosen else "your last"
        show_events(
            console, f"What your choice ({last}) did, and what followed:", aftermath(game, res)
        )
    name = res.compiled.names[res.compiled.index(game.actor)]
    show_verdict(console, verdict(game, res), name)
