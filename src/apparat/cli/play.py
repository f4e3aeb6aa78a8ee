"""``apparat play``: take one contender's decisions in the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.prompt import Prompt
from rich.table import Table
from rich.text import Text

from apparat.cli.render import compact_cites, pct
from apparat.experiments.play import Game, Verdict, play, replay, verdict
from apparat.policies.interactive import Situation


def show_situation(console: Console, s: Situation) -> None:
    """The world as the player's actor sees it when a decision falls due."""
    console.rule(Text(f"{s.date} — your decision", style="bold yellow"))
    if s.recent:
        console.print(Text("Since your last decision:", style="bold"))
        for e in s.recent[-12:]:
            console.print(Text(f"  {e.date}  {e.text}"))
    leaders = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="Leaders", title_justify="left")
    for col in ("Leader", "Power", "Prestige"):
        leaders.add_column(col, justify="right" if col != "Leader" else "left")
    for name, power, prestige in s.leaders:
        leaders.add_row(name, pct(power), f"{prestige:.2f}")
    console.print(leaders)
    for leader, members, ruling in s.blocs:
        label = "Ruling coalition" if ruling else "Bloc"
        console.print(Text(f"{label} of {leader}: {', '.join(members)}"))
    held = [f"{office}: {holder}" for office, holder in s.offices]
    console.print(Text("Offices: " + "; ".join(held), style="dim"))
    console.print(Text(s.question, style="bold"))
    for n, o in enumerate(s.options, start=1):
        console.print(Text(f"  {n}. {o.label} — {o.description}"))
        console.print(Text(f"     {compact_cites(o.cites)}", style="dim"))


def show_verdict(console: Console, v: Verdict, name: str) -> None:
    """The player's outcome against history's choices, and which choices mattered."""
    console.rule(Text("How it ended", style="bold"))
    made = "you made it" if v.in_executive else "you did not"
    console.print(
        Text(
            f"{name} still in the executive at the end: {pct(v.baseline_in_executive)} of "
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
                    f"  {m.decision}: {m.chosen} (history: {m.historical}). Mean power "
                    f"{100 * m.power_change:+.1f} points; out of the executive {played} "
                    f"(with history's choice: {then}, {m.fate_then})."
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
    console = Console()
    if replay_file is not None:
        game = Game.load(replay_file)
        res = replay(game)
    else:
        game = Game.load(resume) if resume else Game(as_, seed, 0, scenario)
        target = save or resume

        def ask(s: Situation) -> str:
            show_situation(console, s)
            picked = Prompt.ask(
                "Your choice",
                choices=[str(n) for n in range(1, len(s.options) + 1)],
                console=console,
            )
            choice = s.options[int(picked) - 1].id
            hist = next(o.label for o in s.options if o.id == s.historical)
            console.print(Text(f"History chose: {hist}.", style="italic"))
            game.answers[s.decision] = choice
            if target is not None:
                game.save(target)
            return choice

        res = play(game, ask)
        if target is not None:
            game.save(target)
    name = res.compiled.names[res.compiled.index(game.actor)]
    show_verdict(console, verdict(game, res), name)
