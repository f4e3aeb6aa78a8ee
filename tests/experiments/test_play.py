"""Playing a contender: deterministic games, saved and resumed, history as a yardstick."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from apparat.cli import app
from apparat.engine import compile_scenario, simulate
from apparat.errors import InterventionError
from apparat.experiments.play import Game, aftermath, play, playable, replay, verdict
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


WIN_SEED = 3  # a run in which Trotsky's attack at the XII Congress carries


def test_the_next_screen_shows_what_the_decision_did_in_its_own_month() -> None:
    """Attack Stalin at the XII Congress and win: the next situation opens with the vote
    and Trotsky taking the Secretariat (April 1923), not silently with him in office."""
    seen: list[Situation] = []

    def ask(s: Situation) -> str:
        seen.append(s)
        return "attack" if s.decision == "trotsky.xii_congress" else s.historical

    play(Game("trotsky", seed=WIN_SEED), ask)
    after = seen[1].recent
    april = [e.text for e in after if e.date == "1923-04"]
    assert any("removed as General Secretary" in t and "carried" in t for t in april)
    assert any("Trotsky takes the office of General Secretary" in t for t in april)
    assert any(e.kind == "decision" and e.why["decision"] == "trotsky.xii_congress" for e in after)


def test_the_end_shows_what_the_last_decision_did() -> None:
    """After the last decision, the events from it to the end are kept for the player."""
    game = Game("trotsky", seed=1)
    res = play(game, lambda s: s.historical)
    after = aftermath(game, res)
    assert after[0].kind == "decision"
    assert after[0].why["decision"] == "trotsky.bukharin_bloc_1928"
    assert after[-1] == res.chronicle[-1]


def test_the_terminal_shows_what_the_decision_did() -> None:
    """In the terminal, the screen after the attack shows the vote that carried it."""
    result = runner.invoke(
        app, ["play", "--as", "trotsky", "--seed", str(WIN_SEED)], input="1\n" + "2\n" * 9
    )
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "What your choice (Attack Stalin) did" in flat
    assert "Trotsky takes the office of General Secretary" in flat
    took = flat.index("Trotsky takes the office of General Secretary")
    assert flat.index("What your choice (Attack Stalin) did") < took
    assert took < flat.index("Zinoviev proposes to put the Secretariat")


def test_an_actor_whose_decisions_come_after_his_death_is_not_offered(
    bolshevik: Scenario,
) -> None:
    """Lenin, whose one decision comes while he can act, is offered; moved past his death,
    it can never come, and he is not."""
    assert "lenin" in playable(bolshevik)
    late = [
        d.model_copy(update={"date": "1925-01"}) if d.actor == "lenin" else d
        for d in bolshevik.decisions
    ]
    moved = bolshevik.model_copy(update={"decisions": late})
    assert "lenin" not in playable(moved)
    assert "trotsky" in playable(moved)
    assert "kirov" not in playable(moved)


def test_a_player_who_leaves_play_is_judged_when_he_leaves() -> None:
    """Lenin is judged before his stroke of March 1923, not on 1930, and told so."""
    game = Game("lenin", seed=1)
    res = play(game, lambda s: s.historical)
    v = verdict(game, res, baseline_runs=10)
    assert v.judged == "1923-02"
    assert v.gone is not None
    assert "stroke" in v.gone
    assert v.decided == 2  # the bloc with Trotsky and the letter
    result = runner.invoke(app, ["play", "--as", "lenin"], input="1\n1\n")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "judged in 1923-02, before he left the struggle" in flat
    assert "at the end" not in flat


def test_the_terminal_screen_is_laid_out_for_reading() -> None:
    """Offices as a table, one office a line; power and prestige explained once; the final
    list in words, not ids."""
    result = runner.invoke(app, ["play", "--as", "trotsky", "--seed", "2"], input="1\n" * 10)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Offices: " not in out
    assert any(
        "General Secretary of the Central Committee" in line and "Joseph Stalin" in line
        for line in out.splitlines()
    )
    assert out.count("Power is a leader's share") == 1
    assert "Prestige is his standing" in out
    end = " ".join(out[out.index("How it ended") :].split())
    assert "trotsky." not in end
    assert "At the XII Congress, does Trotsky attack Stalin" in end
    assert "You: Attack Stalin; history: Accept the truce" in end


@pytest.mark.parametrize(
    ("scenario", "actor"), [("bolshevik_1923", "bukharin"), ("china_1976", "hua_guofeng")]
)
def test_both_bundled_scenarios_play_in_the_terminal(scenario: str, actor: str) -> None:
    """Each bundled scenario plays through --scenario, from first decision to verdict."""
    result = runner.invoke(app, ["play", "--as", actor, "--scenario", scenario], input="1\n" * 10)
    assert result.exit_code == 0, result.output
    assert "your decision" in result.output
    assert "How it ended" in result.output


def test_which_actors_can_play_is_probed_once_per_scenario_content(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each step of a game reloads its scenario: the probe of who can play must not rerun
    for a copy with the same content (it made the web page's steps seconds slower), and
    must rerun for a changed one."""
    import apparat.experiments.play as play_module
    from apparat.scenario import load_scenario

    calls: list[int] = []
    real = play_module.simulate

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(play_module, "simulate", counting)
    monkeypatch.setattr(play_module, "_probed", {})
    first = playable(load_scenario("bolshevik_1923"))
    again = playable(load_scenario("bolshevik_1923"))
    assert again == first
    assert len(calls) == 1
    base = load_scenario("bolshevik_1923")
    meta = base.scenario.model_copy(update={"title": "another title"})
    playable(base.model_copy(update={"scenario": meta}))
    assert len(calls) == 2
