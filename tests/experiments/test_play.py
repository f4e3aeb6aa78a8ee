"""Playing a contender: deterministic games, saved and resumed, history as a yardstick."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from apparat.cli import app
from apparat.engine import compile_scenario, simulate
from apparat.errors import InterventionError
from apparat.experiments.play import Game, play, replay
from apparat.policies import ForcedChoice
from apparat.policies.interactive import Situation
from apparat.scenario import Scenario

runner = CliRunner()


def first_option(game: Game):  # type: ignore[no-untyped-def]
    def ask(s: Situation) -> str:
        game.answers[s.decision] = s.options[0].id
        return s.options[0].id

    return ask


def test_answering_as_history_did_gives_the_historical_choice_run(bolshevik: Scenario) -> None:
    """A game in which the player chooses what history chose is the run in which the
    actor's decisions are forced to history's options."""
    game = Game("trotsky", seed=4)
    res = play(game, lambda s: s.historical)
    own = {d.id: d.historical for d in bolshevik.decisions if d.actor == "trotsky"}
    forced = simulate(
        compile_scenario(bolshevik), np.array([0]), 4, None, ForcedChoice(bolshevik, own), False
    )
    assert np.array_equal(res.history.power, forced.history.power)
    assert set(game.answers) <= set(own)


def test_the_same_seed_and_answers_give_the_same_game() -> None:
    """Replaying a game's answers reproduces it exactly."""
    game = Game("trotsky", seed=5)
    first = play(game, first_option(game))
    again = replay(Game("trotsky", 5, 0, "bolshevik_1923", dict(game.answers)))
    assert np.array_equal(first.history.power, again.history.power)
    assert [e.text for e in first.chronicle] == [e.text for e in again.chronicle]


def test_a_saved_game_resumes_where_it_stopped(tmp_path: Path) -> None:
    """Stopped after two decisions and resumed from its file, a game ends as an
    uninterrupted one with the same answers."""
    game = Game("trotsky", seed=6)
    path = tmp_path / "game.json"

    def ask_twice(s: Situation) -> str:
        if len(game.answers) == 2:
            game.save(path)
            raise KeyboardInterrupt
        game.answers[s.decision] = s.options[0].id
        return s.options[0].id

    with pytest.raises(KeyboardInterrupt):
        play(game, ask_twice)
    resumed = Game.load(path)
    assert len(resumed.answers) == 2
    done = play(resumed, first_option(resumed))
    whole_game = Game("trotsky", seed=6)
    whole = play(whole_game, first_option(whole_game))
    assert resumed.answers == whole_game.answers
    assert np.array_equal(done.history.power, whole.history.power)


def test_the_terminal_game_is_scripted_and_repeatable() -> None:
    """Answers on standard input drive a whole game; the same answers print the same game."""
    answers = "2\n1\n2\n1\n2\n1\n2\n1\n2\n"
    one = runner.invoke(app, ["play", "--as", "trotsky", "--seed", "2"], input=answers)
    two = runner.invoke(app, ["play", "--as", "trotsky", "--seed", "2"], input=answers)
    assert one.exit_code == 0, one.output
    assert "History chose" in one.output
    assert "How it ended" in one.output
    assert one.output == two.output


def test_an_unknown_actor_is_refused_with_the_playable_ones() -> None:
    """Playing someone with no decisions lists who can be played."""
    result = runner.invoke(app, ["play", "--as", "nobody"])
    assert result.exit_code == 2
    assert "trotsky" in result.output
    with pytest.raises(InterventionError, match="play as one of"):
        play(Game("kirov"), lambda s: s.options[0].id)


def test_a_corrupt_save_file_is_refused(tmp_path: Path) -> None:
    """A file that is not a saved game gives a clear error, not a traceback."""
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InterventionError, match="not a saved apparat game"):
        Game.load(bad)
