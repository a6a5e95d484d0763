"""In a real browser: Stop, the space bar and each symptom button halt at once, locally,
before the server answers; then aftercare and referral. Stop and every sensation
button are on screen and big on a laptop and a phone. A socket killed mid-session
leaves no movement cue on screen."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from backbuddy.web import sensations

from .conftest import Server, shot
from .flows import start_session

pytestmark = pytest.mark.e2e

PRESSES: dict[str, Callable[[Page], None]] = {
    "stop-button": lambda p: p.get_by_role("button", name="Stop", exact=True).click(),
    "space-bar": lambda p: p.keyboard.press(" "),
    "escape": lambda p: p.keyboard.press("Escape"),
}
#: Every symptom the engine knows, with its button's label (built from the engine's list).
SYMPTOMS = [(b.kind, b.label) for b in sensations.buttons() if b.halts]
VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


def last_press(page: Page) -> dict[str, Any]:
    press: dict[str, Any] = page.evaluate(
        "() => Object.values(window.backbuddy.timings.presses).at(-1)"
    )
    return press


def stop_position(page: Page) -> list[float]:
    """Where Stop sits on the page (not the viewport: a click may scroll)."""
    box: list[float] = page.evaluate(
        "() => { const r = document.getElementById('stop').getBoundingClientRect();"
        " return [r.left + scrollX, r.top + scrollY, r.width, r.height]; }"
    )
    return box


def expect_halted_locally_first(page: Page) -> None:
    """The page showed the halt in the press's own task; the server's halt came after."""
    expect(page.locator("#session")).to_have_attribute("data-halted", "1")
    # "Stop. Release gently…", or once a symptom has ended it, how it ended
    expect(page.locator("#step-text")).to_contain_text(re.compile("Stop|Ended: symptom"))
    page.wait_for_function(
        "() => { const p = Object.values(window.backbuddy.timings.presses).at(-1);"
        " return p && p.server_ms !== undefined && p.local_ms !== undefined; }"
    )
    press = last_press(page)
    assert press["halted"], press
    assert press["local_dom_ms"] <= press["server_ms"], press
    expect(page.locator("#captions li.halt").first).to_be_visible()


def test_stop_halts_then_aftercare(page: Page, server: Server) -> None:
    """Each way to stop (the button, the space bar, Escape) in turn in one session: each halts
    locally first, then Resume takes the set-up back (the halt mark cleared) for the next.
    (Each used to start its own session; the first still stops a fresh one.)"""
    start_session(page, server.url, camera=False)
    for n, how in enumerate(PRESSES):
        if n:  # resumed: back in set-up, the last halt cleared, before this press
            page.get_by_role("button", name="Resume").click()
            expect(page.locator("#session")).to_have_attribute("data-mode", "setup")
            expect(page.locator("#session")).to_have_attribute("data-halted", "0")
            expect(page.locator("#step-text")).not_to_contain_text("Stop")
        halts = page.locator("#captions li.halt").count()
        before = stop_position(page)
        PRESSES[how](page)
        expect_halted_locally_first(page)
        expect(page.locator("#captions li.halt")).to_have_count(halts + 1)
        after = stop_position(page)
        assert after == before, f"{how}: the halt moved the Stop button: {before} → {after}"
        expect(page.locator("#mode-label")).to_have_text("Stopped")
        expect(page.get_by_role("button", name="Resume")).to_be_visible()
        if how == "stop-button":
            shot(page, "06-session-stopped")
    page.get_by_role("button", name="End session").click()
    page.get_by_role("link", name="Continue to aftercare check").click()
    expect(page.get_by_role("heading", name="Aftercare check")).to_be_visible()
    expect(page.get_by_text("When to get checked:")).to_be_visible()


def viewport_of(index: int) -> dict[str, int]:
    """Laptop and phone in turn: every symptom button is pressed on one or the other."""
    return VIEWPORTS[index % len(VIEWPORTS)]


def expect_in_view_and_big(page: Page, button: Any) -> None:
    """On screen without scrolling, at least 44 px tall, and nothing covers its middle."""
    box = button.bounding_box()
    view = page.viewport_size
    assert box is not None
    assert view is not None
    left, top, width, height = box["x"], box["y"], box["width"], box["height"]
    assert min(width, height) >= 44, box
    assert 0 <= left <= left + width <= view["width"], (box, view)
    assert 0 <= top <= top + height <= view["height"], (box, view)
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.closest('button')?.textContent.trim()",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert on_top == button.text_content().strip()


def test_stop_and_every_sensation_are_on_screen_and_big(page: Page, plain_server: Server) -> None:
    """At 1280×800 and at 390×844 in turn, in one session (the window resized; each size
    used to start its own)."""
    start_session(page, plain_server.url, camera=False)
    for size in VIEWPORTS:
        page.set_viewport_size(size)
        page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
        page.wait_for_function("window.scrollY === 0")
        expect_in_view_and_big(page, page.get_by_role("button", name="Stop", exact=True))
        for b in sensations.buttons():
            expect_in_view_and_big(page, page.get_by_role("button", name=b.label, exact=True))
        page.evaluate("window.scrollTo({top: document.body.scrollHeight, behavior: 'instant'})")
        page.wait_for_function("window.scrollY > 0")  # scrolled to the end: they stay
        for b in sensations.buttons():
            expect_in_view_and_big(page, page.get_by_role("button", name=b.label, exact=True))
        expect(page.locator("#speed-text")).to_contain_text("proposed limit")
        expect(page.locator("#limits-note")).to_contain_text("not a clinical standard")
        shot(page, f"05-session-buttons-{size['width']}")


@pytest.mark.parametrize(
    ("index", "kind", "label"),
    [(i, kind, label) for i, (kind, label) in enumerate(SYMPTOMS)],
    ids=[kind for kind, _ in SYMPTOMS],
)
def test_each_symptom_button_halts_for_good_then_referral(
    page: Page, plain_server: Server, index: int, kind: str, label: str
) -> None:
    page.set_viewport_size(viewport_of(index))
    start_session(page, plain_server.url, camera=False)
    page.get_by_role("button", name=label, exact=True).click()
    expect_halted_locally_first(page)
    referral = page.locator("#refer")
    expect(referral).to_be_visible()
    expect(referral).to_contain_text("physiotherapist")
    if kind in ("chest_pain", "dizziness"):
        expect(referral).to_contain_text("call emergency services now")
    aftercare = page.get_by_role("link", name="Continue to aftercare check")
    expect(aftercare).to_be_visible()
    expect(page.get_by_role("button", name="Resume")).to_be_hidden()
    if kind != "sharp_pain":
        return
    shot(page, "07-session-symptom-halt")
    aftercare.click()
    expect(page.get_by_role("heading", name="Please get checked")).to_be_visible()
    shot(page, "08-aftercare-referral")
    page.get_by_label("About the same").check()
    page.get_by_label("None").check()
    page.get_by_role("button", name="Save and see what to do").click()
    expect(page.get_by_role("heading", name="Please get checked").first).to_be_visible()
    shot(page, "09-aftercare-result")
    page.get_by_role("link", name="See the session summary").click()
    expect(page.get_by_role("heading", name="Session summary")).to_be_visible()
    expect(page.get_by_text("Please get checked")).to_be_visible()
    expect(page.get_by_text("not a clinical standard")).to_be_visible()
    shot(page, "10-summary")
    page.get_by_role("link", name="History").first.click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    shot(page, "11-history")


def test_socket_killed_mid_session_leaves_no_movement_cue(page: Page, quick_server: Server) -> None:
    """Reach a movement cue (no camera watch: the cue comes on time), then kill the server."""
    server = quick_server
    start_session(page, server.url, camera=False)
    page.get_by_role("button", name="We're in position").click()
    page.get_by_role("button", name="We're in position").click()
    move = page.locator("#step-text.cue-move")
    expect(move).to_contain_text("Attempt 1", timeout=15000)
    shot(page, "12-session-movement")
    server.kill()
    expect(page.locator("#session")).to_have_attribute("data-link", "down", timeout=5000)
    expect(page.locator("#link-status")).to_contain_text("reconnecting")
    expect(page.locator("#step-text")).not_to_contain_text("Attempt")
    visible_moves = page.evaluate(
        "() => [...document.querySelectorAll('.cue-move')]"
        ".filter(e => getComputedStyle(e).visibility !== 'hidden' && e.offsetParent).length"
    )
    assert visible_moves == 0
    shot(page, "13-session-link-lost")


def test_the_assistant_reports_resistance_and_the_movement_pauses(
    page: Page, quick_server: Server
) -> None:
    """'Stop at the first resistance': the assistant's button pauses the attempt and holds."""
    server = quick_server
    start_session(page, server.url, camera=False)
    page.get_by_role("button", name="We're in position").click()
    page.get_by_role("button", name="We're in position").click()
    expect(page.locator("#step-text.cue-move")).to_contain_text("Attempt 1", timeout=15000)
    resistance = page.get_by_role("button", name="Felt resistance")
    resistance.scroll_into_view_if_needed()
    expect(resistance).to_be_visible()
    resistance.click()
    expect(page.locator("#step-text")).to_contain_text("first resistance", timeout=5000)
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    expect(page.locator("#step-text.cue-move")).to_have_count(0)
