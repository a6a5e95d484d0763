"""In a real browser, at 1280×800 and 390×844: where the controls are when a session pauses or
halts, how each end reads, and the one state a tab shows when it can no longer act (issue 13,
items 1–3).

Every layout claim is a bounding box: Resume and End sit beside Stop in the docked band, on
screen without scrolling; the breath, the attempt line and the camera status sit above that
band, not under it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from paced import quick_breath_in, quick_techniques
from playwright.sync_api import Browser, Page, expect

from backbuddy.domain.state import EndReason

from .conftest import SHOTS, Server, start_server
from .flows import answer_screening, start_session

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SIZES = [LAPTOP, PHONE]
CARRY_ON = "When you are both ready, press Resume."
CUT_SHORT = "This session was cut short; the receiver should rest."
#: Page records every text the attempt line and the breath label ever showed.
RECORDER = """() => { window.seen = {attempts: [], breath: []};
  for (const [id, key] of [['attempts', 'attempts'], ['breath-label', 'breath']]) {
    const el = document.getElementById(id);
    const note = () => window.seen[key].push(el.textContent);
    note();
    new MutationObserver(note).observe(el, {childList: true, characterData: true, subtree: true});
  } }"""


def seen_shot(page: Page, name: str) -> None:
    """What the person sees: the window as it is (the docked band where it docks), not the
    whole page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def size_id(size: dict[str, int]) -> str:
    return f"{size['width']}x{size['height']}"


@pytest.fixture
def plain_server(tmp_path: Path) -> Iterator[Server]:
    """No camera watch: sessions pace on time and the pair confirms each set-up step. The
    breath-in before a movement lasts 1 s (`quick_breath_in`), every other phase as written."""
    srv = start_server(tmp_path, camera=False, extra=quick_breath_in(tmp_path))
    yield srv
    if srv.process.poll() is None:
        srv.kill()


def rect(page: Page, selector: str) -> dict[str, float]:
    """The element's box in the viewport (after the page is scrolled to its top)."""
    found: dict[str, float] = page.evaluate(
        "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
        " return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }",
        selector,
    )
    return found


def to_top(page: Page) -> None:
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    page.wait_for_function("window.scrollY === 0")


def expect_on_screen(page: Page, selector: str) -> dict[str, float]:
    """Inside the viewport and not covered by anything: its middle is itself."""
    box = rect(page, selector)
    view = page.viewport_size
    assert view is not None
    assert 0 <= box["top"] < box["bottom"] <= view["height"], (selector, box, view)
    assert 0 <= box["left"] < box["right"] <= view["width"], (selector, box, view)
    mid = [(box["left"] + box["right"]) / 2, (box["top"] + box["bottom"]) / 2]
    on_top = page.evaluate(
        "([s, x, y]) => document.querySelector(s).contains(document.elementFromPoint(x, y))",
        [selector, *mid],
    )
    assert on_top, f"{selector} is covered at its middle"
    return box


def expect_above_the_band(page: Page, selector: str) -> None:
    """Visible at the top of the page and wholly above the docked Stop band."""
    box = expect_on_screen(page, selector)
    band = rect(page, ".controls")
    assert box["bottom"] <= band["top"], (selector, box, band)


def gap(a: dict[str, float], b: dict[str, float]) -> float:
    """The distance between two boxes (0 when they touch or overlap)."""
    dx = max(0.0, max(a["left"], b["left"]) - min(a["right"], b["right"]))
    dy = max(0.0, max(a["top"], b["top"]) - min(a["bottom"], b["bottom"]))
    return float(max(dx, dy))


def expect_resume_and_end_beside_stop(page: Page) -> None:
    """Stop, Resume, End: each touching the one before (a gap of at most 24 px), in the band."""
    boxes = [expect_on_screen(page, s) for s in ("#stop", "#resume", "#end")]
    for a, b in zip(boxes, boxes[1:], strict=False):
        assert gap(a, b) <= 24, boxes
    for selector in ("#resume", "#end"):
        inside = page.evaluate(f"!!document.querySelector('.controls {selector}')")
        assert inside, f"{selector} is not in the Stop band"
        assert rect(page, selector)["bottom"] - rect(page, selector)["top"] >= 44


def expect_vitals_visible(page: Page) -> None:
    for selector in (".breath", "#breath-label", "#attempts", "#tracking"):
        expect_above_the_band(page, selector)


def reach_the_movement(page: Page, url: str) -> None:
    """Clean screening, no camera watch, both set-up steps confirmed: the first move cue."""
    start_session(page, url, camera=False)
    page.evaluate(RECORDER)
    for _ in range(2):
        page.get_by_role("button", name="We're in position").click()
    expect(page.locator("#step-text.cue-move")).to_contain_text("Attempt 1", timeout=15000)


def test_paused_and_halted_keep_resume_and_end_beside_stop(
    page: Page, plain_server: Server
) -> None:
    """One walk (movement, paused, halted, resumed), each state checked at 1280×800 and at
    390×844 in turn (the window resized in the state; each size used to walk the whole
    session, ~5 s a walk)."""
    reach_the_movement(page, plain_server.url)
    expect(page.locator("#breath-label")).to_have_text("Breathe out")
    expect(page.locator("#attempts")).to_have_text("Attempt 1 of 3")
    stop_before: dict[int, dict[str, float]] = {}
    for size in SIZES:
        page.set_viewport_size(size)
        w = size["width"]
        to_top(page)
        expect_vitals_visible(page)
        expect(page.locator("#resume")).to_be_hidden()
        expect(page.locator("#end")).to_be_hidden()
        stop_before[w] = rect(page, "#stop")
        seen_shot(page, f"30-session-movement-{w}")

    page.get_by_role("button", name="Felt resistance").click()
    expect(page.locator("#session")).to_have_attribute("data-mode", "paused")
    expect(page.locator("#carry-on")).to_contain_text(CARRY_ON)
    expect(page.locator("#attempts")).to_have_text("Attempt 1 of 3")
    expect(page.locator("#breath-label")).to_have_text("Breathe normally")
    for size in SIZES:
        page.set_viewport_size(size)
        to_top(page)
        expect_resume_and_end_beside_stop(page)
        expect_vitals_visible(page)
        expect_above_the_band(page, "#carry-on")
        seen_shot(page, f"31-session-paused-{size['width']}")

    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.locator("#session")).to_have_attribute("data-mode", "halted")
    expect(page.locator("#mode-label")).to_have_text("Stopped")
    expect(page.locator("#carry-on")).to_contain_text(CARRY_ON)
    expect(page.locator("#breath-label")).to_have_text("Breathe normally")
    for size in SIZES:
        page.set_viewport_size(size)
        w = size["width"]
        to_top(page)
        expect_resume_and_end_beside_stop(page)
        expect_vitals_visible(page)
        # Stop neither moved nor changed size: a second press lands on Stop, never on Resume.
        assert rect(page, "#stop") == stop_before[w], (w, stop_before[w], rect(page, "#stop"))
        seen_shot(page, f"32-session-halted-{w}")

    page.get_by_role("button", name="Resume").click()
    expect(page.locator("#session")).to_have_attribute("data-mode", "attempt")
    expect(page.locator("#resume")).to_be_hidden()
    expect(page.locator("#carry-on")).to_have_text("")
    seen = page.evaluate("window.seen.attempts")
    assert not [t for t in seen if "Attempt 0" in t], seen


def test_stop_during_the_exhale_stops_the_breath_label_at_once(
    page: Page, plain_server: Server
) -> None:
    """STOP pressed while the label says "Breathe out": the label changes in the press's own
    task, before the server answers, and never says "Breathe out" again while halted."""
    reach_the_movement(page, plain_server.url)
    expect(page.locator("#breath-label")).to_have_text("Breathe out")
    label = page.evaluate(
        "() => { document.getElementById('stop').click();"
        " return document.getElementById('breath-label').textContent; }"
    )
    assert label == "Breathe normally"
    expect(page.locator("#session")).to_have_attribute("data-mode", "halted")
    page.wait_for_timeout(1500)  # ticks go on on the server: no pace cue relabels the stop
    expect(page.locator("#breath-label")).to_have_text("Breathe normally")


def end_state(page: Page, headline: str, name: str) -> None:
    """The big text says how it ended (no stale step), the aftercare link sits beside Stop."""
    expect(page.locator("#session")).to_have_attribute("data-mode", "ended")
    expect(page.locator("#mode-label")).to_have_text("Session ended")
    expect(page.locator("#step-text")).to_have_text(headline)
    expect(page.locator("#breath-label")).to_have_text("Breathe normally")
    expect(page.locator("#resume")).to_be_hidden()
    expect(page.locator("#end")).to_be_hidden()
    for size in SIZES:
        page.set_viewport_size(size)
        to_top(page)
        expect_above_the_band(page, "#step-text")
        aftercare = expect_on_screen(page, "#to-aftercare")
        assert gap(rect(page, "#stop"), aftercare) <= 24
        seen_shot(page, f"{name}-{size['width']}")
    seen = page.evaluate("window.seen.attempts")
    assert not [t for t in seen if "Attempt 0" in t], seen


def test_end_stopped_by_the_receiver(page: Page, plain_server: Server) -> None:
    reach_the_movement(page, plain_server.url)
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_role("button", name="End session").click()
    end_state(page, "Stopped by the receiver", "33-end-stopped")
    expect(page.locator("#attempts")).to_have_text("1 of 3 attempts made")


def test_end_by_the_pair_after_a_pause(page: Page, plain_server: Server) -> None:
    reach_the_movement(page, plain_server.url)
    page.get_by_role("button", name="Felt resistance").click()
    page.get_by_role("button", name="End session").click()
    end_state(page, "Ended by the pair", "34-end-by-pair")


def test_end_for_a_symptom(page: Page, plain_server: Server) -> None:
    reach_the_movement(page, plain_server.url)
    page.get_by_role("button", name="Numbness", exact=True).click()
    end_state(page, "Ended: symptom — see a professional", "35-end-symptom")
    expect(page.locator("#refer")).to_contain_text("today")


def test_end_for_a_click(page: Page, plain_server: Server) -> None:
    reach_the_movement(page, plain_server.url)
    page.get_by_role("button", name="Heard a click").click()
    end_state(page, "Ended: a click — that area rests now", "36-end-pop")


@pytest.fixture
def quick_server(tmp_path: Path) -> Iterator[Server]:
    """`plain_server` over the app's techniques with 1 s phases (`paced.quick_techniques`):
    a whole session's pacing in about 10 s instead of 50."""
    folder = quick_techniques(tmp_path / "techniques", seconds=1.0)
    srv = start_server(tmp_path, camera=False, extra=("--techniques", str(folder)))
    yield srv
    if srv.process.poll() is None:
        srv.kill()


def test_done_after_every_attempt(page: Page, quick_server: Server) -> None:
    """A gentler session (a caution answer: 2 attempts) runs to its end on the breath pacing
    alone: "Done — 2 attempts", never "Attempt 0", never a stale step. Its phases last 1 s
    each (`quick_server`): the page follows the engine's cues, whatever their length."""
    plain_server = quick_server
    answer_screening(page, plain_server.url, yes=("postmenopausal_over_50",), by_hand=False)
    expect(page.get_by_role("heading", name="Go ahead, gently")).to_be_visible()
    page.get_by_role("button", name="Go to set-up").click()  # this server has no camera watch
    page.wait_for_selector("#session[data-mode='setup'][data-link='up']")
    page.evaluate(RECORDER)
    for _ in range(2):
        page.get_by_role("button", name="We're in position").click()
    expect(page.locator("#session")).to_have_attribute("data-mode", "ended", timeout=90000)
    end_state(page, "Done — 2 attempts", "37-end-done")
    expect(page.locator("#attempts")).to_have_text("2 of 2 attempts done")
    seen = page.evaluate("window.seen.attempts")
    assert "Attempt 2 of 2" in seen, seen


def test_every_way_the_engine_ends_has_its_own_words(page: Page, plain_server: Server) -> None:
    """The page's headline for each end reason the engine has (state.EndReason): distinct,
    and none is the cut-short state, which is only for a session that never reached its end."""
    start_session(page, plain_server.url, camera=False)
    said: dict[str, Any] = page.evaluate(
        "(reasons) => Object.fromEntries(reasons.map((r) => [r,"
        " window.backbuddy.view.constructor.headline({end_reason: r, attempts: 3}, null)]))",
        list(get_args(EndReason)),
    )
    assert len(set(said.values())) == len(said), said
    assert CUT_SHORT not in said.values()
    assert said["speed"] == "Ended: too fast twice"
    assert said["completed"] == "Done — 3 attempts"
    unknown = page.evaluate("window.backbuddy.view.constructor.headline({end_reason: null}, null)")
    assert unknown == CUT_SHORT
    after_stop = page.evaluate(
        "window.backbuddy.view.constructor.headline({end_reason: 'ended_by_pair'}, 'stop:key')"
    )
    assert after_stop == "Stopped by the receiver"


def test_a_restart_mid_session_shows_one_state_and_its_aftercare(
    page: Page, tmp_path: Path
) -> None:
    """The cut-short state checked at 1280×800 and at 390×844 in turn (the window resized
    in the state; each size used to walk and restart a whole session)."""
    quick = quick_breath_in(tmp_path)
    server = start_server(tmp_path, camera=False, extra=quick)
    again = None
    try:
        reach_the_movement(page, server.url)
        server.kill()
        again = start_server(tmp_path, camera=False, again=server, extra=quick)
        expect(page.locator("#session")).to_have_attribute("data-mode", "gone", timeout=15000)
        for size in SIZES:
            page.set_viewport_size(size)
            to_top(page)
            expect(page.locator("#step-text")).to_have_text(CUT_SHORT)
            expect(page.locator("#mode-label")).to_have_text("Session cut short")
            body = page.locator("main").inner_text()
            for stale in (
                "PAUSED",
                "STOPPED",
                "This session is over",
                "until the connection is back",
            ):
                assert stale not in body, stale
            assert body.lower().count("cut short") == 2, body  # the label and the one sentence
            expect(page.locator(".controls")).to_be_hidden()
            expect(page.locator("#captions li.halt")).to_have_count(0)
            expect_on_screen(page, "#gone-link")
            seen_shot(page, f"38-session-cut-short-{size['width']}")
        page.get_by_role("link", name="Go to its aftercare check").click()
        expect(page.get_by_role("heading", name="Aftercare check")).to_be_visible()
        expect(page.locator(".lead")).to_contain_text("interrupted")
    finally:
        for srv in (server, again):
            if srv is not None and srv.process.poll() is None:
                srv.kill()


#: Keeps every sentence the page is asked to say (the fake browser has no voice to hear).
HEAR_SPEECH = """() => {
  const s = window.backbuddy.speech;
  const play = s.play.bind(s);
  window.__said = [];
  s.play = (parts, urgent) => {
    window.__said.push(...(parts || []).map((p) => p.text));
    play(parts, urgent);
  };
}"""


def test_a_store_that_stalls_mid_movement_stops_the_page_aloud(page: Page, tmp_path: Path) -> None:
    """Red team, session 13: with the hands on, a store that cannot record ends the session
    within a second, and the page used to cancel its speech and go silent; a pair that
    stopped by voice, looking at each other and not at the screen, heard nothing more."""
    server = start_server(tmp_path, camera=False, extra=quick_breath_in(tmp_path))
    holder = sqlite3.connect(str(server.db), isolation_level=None, timeout=30)
    try:
        reach_the_movement(page, server.url)
        page.evaluate(HEAR_SPEECH)
        holder.execute("BEGIN EXCLUSIVE")  # another program takes the file's write lock
        expect(page.locator("#session")).to_have_attribute("data-mode", "gone", timeout=30000)
        assert "Stop and release gently." in page.evaluate("window.__said")
        expect(page.locator("#captions li.halt").last).to_contain_text("can no longer record")
    finally:
        holder.close()
        server.kill()


def test_a_second_tab_says_the_session_is_open_in_another(
    browser: Browser, plain_server: Server
) -> None:
    """The second tab checked at 1280×800 and at 390×844 in turn (each size used to start
    its own session)."""
    context = browser.new_context(viewport=LAPTOP)
    try:
        first = context.new_page()
        start_session(first, plain_server.url, camera=False)
        second = context.new_page()
        second.goto(first.url)
        expect(second.locator("#session")).to_have_attribute("data-mode", "gone")
        for size in SIZES:
            second.set_viewport_size(size)
            expect(second.locator("#step-text")).to_have_text(
                "This session is open in another tab."
            )
            expect(second.locator("#carry-on")).to_contain_text("Use that tab")
            expect(second.locator(".controls")).to_be_hidden()
            seen_shot(second, f"39-session-other-tab-{size['width']}")
        # The first tab still runs the session: its Stop halts it.
        first.bring_to_front()
        first.get_by_role("button", name="Stop", exact=True).click()
        expect(first.locator("#session")).to_have_attribute("data-mode", "halted")
    finally:
        context.close()
