"""The web page in a real browser: Debian's Chromium driven by Playwright, against a
server on a free localhost port. CI installs Chromium; the test skips only without it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live import live_server

from apparat import load_scenario

pytest.importorskip("playwright")
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "Debian's Chromium is not installed at /usr/bin/chromium "
        "(apt-get install chromium; .ci/run installs it)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL = ("http://127.0.0.1:", "http://localhost:")
DECISION = "trotsky.xii_congress"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """uvicorn serving the app in a background thread, answered before the tests start."""
    with live_server(wait=20) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, list[str], list[str]]]:
    """A fresh page, with every request URL and every console or page error recorded."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    urls: list[str] = []
    errors: list[str] = []
    context.on("request", lambda r: urls.append(r.url))
    pg = context.new_page()
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg, urls, errors
    context.close()


def pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def pp(x: float) -> str:
    v = f"{100 * abs(x):.1f}"
    if v == "0.0":
        return "0.0 pp"
    return f"{'+' if x > 0 else '−'}{v} pp"


def expected_row(r: dict[str, Any]) -> list[str]:
    """The cells of one row of #dominance-table, as the page formats the API's numbers."""
    f, c, d = r["factual"], r["counterfactual"], r["difference"]
    return [
        r["name"],
        pct(f["share"]),
        f"{100 * f['low']:.1f}–{100 * f['high']:.1f} %",
        pct(c["share"]),
        f"{100 * c['low']:.1f}–{100 * c['high']:.1f} %",
        pp(d["value"]),
        "—" if d["low"] is None else f"{pp(d['low'])} to {pp(d['high'])}",
    ]


def test_page_shows_the_apis_numbers_and_stays_on_localhost(
    server: str, page: tuple[Page, list[str], list[str]]
) -> None:
    """Forcing Trotsky's attack at the XII Congress on the page shows exactly the numbers
    the API returns for that request, and no request leaves localhost."""
    pg, urls, errors = page
    pg.goto(server + "/")
    select = pg.locator(f'select[data-decision="{DECISION}"]')
    select.wait_for()
    select.select_option("attack")
    pg.fill("#runs", "100")
    with pg.expect_response(lambda r: r.url.endswith("/api/experiment")) as answer:
        pg.click("#run-button")
    pg.wait_for_selector("#dominance-table tbody tr")
    pg.wait_for_selector("#power-chart .main-svg")
    sent = answer.value.request.post_data_json
    assert sent == {
        "scenario": "bolshevik_1923",
        "runs": 100,
        "seed": 1,
        "do": {DECISION: "attack"},
        "set": {},
    }

    direct = httpx.post(f"{server}/api/experiment", json=sent, timeout=60).json()
    shown = pg.eval_on_selector_all(
        "#dominance-table tbody tr",
        """rows => rows.map(tr => ({
            actor: tr.dataset.actor,
            cells: [...tr.children].map(td => td.textContent),
            values: [...tr.querySelectorAll('td[data-value]')].map(td => Number(td.dataset.value)),
        }))""",
    )
    assert [row["actor"] for row in shown] == [r["actor"] for r in direct["dominance"]]
    for row, r in zip(shown, direct["dominance"], strict=True):
        assert row["cells"] == expected_row(r)
        assert row["values"] == [
            r["factual"]["share"],
            r["counterfactual"]["share"],
            r["difference"]["value"],
        ]
    assert any(r["factual"]["share"] != r["counterfactual"]["share"] for r in direct["dominance"])

    ARTIFACTS.mkdir(exist_ok=True)
    pg.evaluate("window.scrollTo(0, 0)")  # the toggles' column is sticky: show it at the top
    pg.screenshot(path=str(ARTIFACTS / "page.png"), full_page=True)

    # The run explorer: one run, a month chosen on the slider, events with their sources.
    pg.click("#tab-explorer")
    pg.wait_for_selector("#events .cites li")
    pg.eval_on_selector(
        "#month-slider",
        "s => { s.value = '17'; s.dispatchEvent(new Event('input', {bubbles: true})); }",
    )
    assert pg.text_content("#month-label") == "May 1924 (month 18 of 97)"
    offices = len(load_scenario("bolshevik_1923").offices)  # one row an office
    assert pg.locator("#offices-table tbody tr").count() == offices
    assert pg.locator("#events li.current").count() >= 1
    cite = pg.text_content("#events .cites li") or ""
    assert cite.startswith("S")
    assert ":" in cite
    pg.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=True)

    assert urls, "the page made no requests"
    outside = [u for u in urls if not u.startswith(LOCAL) and not u.startswith("data:")]
    assert not outside, f"requests left localhost: {outside}"
    assert not errors, f"the page reported errors: {errors}"


def test_play_tab_plays_a_game_to_the_verdict(
    server: str, page: tuple[Page, list[str], list[str]]
) -> None:
    """Playing Trotsky with seed 1 on the Play tab, always taking the first option, reaches
    the verdict, and no request leaves localhost."""
    pg, urls, errors = page
    pg.goto(server + "/")
    pg.click("#tab-play")
    pg.locator('#play-actor option[value="trotsky"]').wait_for(state="attached")
    pg.select_option("#play-actor", "trotsky")
    pg.fill("#play-seed", "1")
    pg.click("#play-start")
    decisions = 0
    while True:
        pg.wait_for_selector(
            "#play-situation:not([hidden]) #play-options button:not([disabled]), "
            "#play-end:not([hidden])",
            timeout=60_000,
        )
        if pg.is_visible("#play-end"):
            break
        assert pg.locator("#play-recent li").count() >= 1
        assert pg.locator("#play-leaders tbody tr").count() >= 1
        if decisions == 1:
            ARTIFACTS.mkdir(exist_ok=True)
            pg.screenshot(path=str(ARTIFACTS / "play-decision.png"), full_page=True)
        question = pg.text_content("#play-question")
        with pg.expect_response(lambda r: r.url.endswith("/api/play/step")):
            pg.locator("#play-options button").first.click()
        pg.wait_for_function(
            "q => document.querySelector('#play-question').textContent !== q"
            " || !document.querySelector('#play-end').hidden",
            arg=question,
            timeout=60_000,
        )
        assert "History chose:" in (pg.text_content("#play-revealed") or "")
        decisions += 1
        assert decisions <= 20, "the game did not end"
    verdict = pg.text_content("#play-verdict") or ""
    assert verdict.startswith("Leon Trotsky still in the executive at the end:")
    assert "runs in which he chose as history did" in verdict
    assert decisions >= 5
    assert pg.locator("#play-mattered li").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    pg.evaluate("window.scrollTo(0, 0)")
    pg.screenshot(path=str(ARTIFACTS / "play.png"), full_page=True)

    outside = [u for u in urls if not u.startswith(LOCAL) and not u.startswith("data:")]
    assert not outside, f"requests left localhost: {outside}"
    assert not errors, f"the page reported errors: {errors}"
