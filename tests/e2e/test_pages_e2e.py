"""In a real browser: screening blocks on a red flag; a clean one reaches set-up; the
posture checklist and the skeleton react to the clip the fake camera plays."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, Page, expect

from backbuddy.domain.screening import load_questions
from backbuddy.web import sensations

from .conftest import SHOTS, Server, shot
from .flows import answer_screening, start_session

pytestmark = pytest.mark.e2e


def test_home_and_screening_pages(page: Page, server: Server) -> None:
    page.goto(server.url)
    not_medical = "Not a medical device; not a substitute for professional care."
    expect(page.get_by_text(not_medical)).to_be_visible()
    expect(page.get_by_role("heading", name="Seated Hug Extension")).to_be_visible()
    shot(page, "01-home")
    page.get_by_role("link", name="Start with the safety questions").first.click()
    expect(page.locator("fieldset.question").first).to_be_visible()
    expect(page.locator("fieldset.question")).to_have_count(len(load_questions().questions))
    shot(page, "02-screening")


def test_red_flag_blocks_and_offers_no_way_on(page: Page, server: Server) -> None:
    answer_screening(page, server.url, yes=("saddle_numbness",))
    expect(page.get_by_role("heading", name="Get urgent medical help")).to_be_visible()
    expect(page.get_by_text("emergency", exact=False).first).to_be_visible()
    expect(page.get_by_role("button", name="Go to set-up")).to_have_count(0)
    shot(page, "03-outcome-blocked")


def test_checklist_and_skeleton_react_to_the_clip(page: Page, server: Server) -> None:
    """A clean screening reaches the set-up page with the camera's preview, Stop and every
    sensation button. The clip's person stands and leans forward ~40° and back, arms at the
    sides: the checklist goes from unchecked to verdicts, some check flips between passing
    and failing as the person moves, arms are never crossed, the skeleton is drawn. (One walk:
    the clean-screening test walked the same path to the same page.)"""
    answer_screening(page, server.url)
    expect(page.get_by_role("heading", name="You can go ahead")).to_be_visible()
    shot(page, "04-outcome-clear")
    page.get_by_role("button", name="Go to set-up").click()  # the camera watch as offered
    page.wait_for_selector("#session[data-link='up']")
    page.wait_for_selector("#session[data-mode='setup']")
    first = {i.get_attribute("class") for i in page.locator("#checklist li").all()}
    assert first <= {""}, f"verdicts before any frame: {first}"
    page.wait_for_function("document.getElementById('video').videoWidth > 0")
    expect(page.get_by_role("button", name="Stop", exact=True)).to_be_visible()
    for b in sensations.buttons():
        expect(page.get_by_role("button", name=b.label, exact=True)).to_be_visible()
    seen: dict[str, set[str]] = {}
    # A flip comes within ~10 s here quiet; at load 9 (a full run, 2026-11-28) none came in
    # 25 s: the wait is for the behaviour, not a speed goal.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        # One read of the whole list: it is redrawn as states come, and item by item a
        # shorter redraw left a locator waiting 30 s for an item gone (a full run, session 14).
        items = page.eval_on_selector_all(
            "#checklist li", "els => els.map(e => [e.dataset.check || '', e.className || ''])"
        )
        for check, verdict in items:
            seen.setdefault(check, set()).add(verdict)
        if any({"ok", "no"} <= states for states in seen.values()):
            break
        time.sleep(0.1)
    assert any({"ok", "no"} <= states for states in seen.values()), (seen, _pose_state(page))
    assert "ok" not in seen["arms_crossed"], seen
    drawn = page.evaluate(
        """() => { const c = document.getElementById('overlay');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""
    )
    assert drawn > 100, "no skeleton drawn over the preview"
    # The picture shows a passing check (passes were asserted above). As the clip's person
    # leans, no check may pass for a while; 15 s was too short once in a full run at load
    # (session 17): the wait is for the picture, not a speed goal.
    page.wait_for_selector("#checklist li.ok", timeout=45000)
    shot(page, "05-setup-camera")


def _pose_state(page: Page) -> object:
    """Where pose ran and what the page said about it (for a failure's message)."""
    return page.evaluate(
        """() => ({ where: window.backbuddy.pose.where, reason: window.backbuddy.pose.reason,
        stats: window.backbuddy.pose.stats, mode: document.getElementById('session').dataset.mode,
        pose_note: (document.getElementById('pose-note') || {}).textContent,
        camera_note: (document.getElementById('camera-note') || {}).textContent })"""
    )


def test_phone_width_keeps_stop_on_screen(browser: Browser, server: Server) -> None:
    """At 390 px wide nothing scrolls sideways and Stop stays in view while scrolled."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(server.url)
        shot(page, "14-phone-home")
        # Pose on the server: the checklist's first verdict (the page as it will stay) comes
        # once the server's model answers, without the page loading its own model first.
        page.evaluate("localStorage.setItem('backbuddy-pose', 'server')")
        start_session(page, server.url, camera=True)
        page.wait_for_selector("#checklist li.ok, #checklist li.no")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        wide = page.evaluate(
            "() => [...document.querySelectorAll('body *')].filter((e) =>"
            " e.getBoundingClientRect().right > 390.5).map((e) => e.tagName + '#' + e.id + '.'"
            " + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
        )
        assert width <= 390, f"page is {width} px wide: {wide}"
        # The placement picture comes and goes with the camera: shown with the longest hint
        # it may carry, the page must still not scroll sideways.
        page.evaluate(
            "() => { const f = document.getElementById('placement-live'); f.hidden = false;"
            " f.querySelector('img').src = '/static/img/camera-toward-feet.svg';"
            " f.querySelector('figcaption').textContent = 'Move the camera further toward the"
            " receiver\u2019s feet, along the mat (placement-not-measurable-from-here)'; }"
        )
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 390, f"with the placement picture the page is {width} px wide"
        page.mouse.wheel(0, 600)
        stop = page.get_by_role("button", name="Stop", exact=True).bounding_box()
        assert stop is not None
        assert stop["y"] >= 0
        assert stop["y"] + stop["height"] <= 844
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / "15-phone-session.png"))
        page.evaluate("document.getElementById('setup-panel').scrollIntoView()")
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / "16-phone-checklist.png"))
    finally:
        context.close()


def test_stop_is_in_view_on_a_laptop_screen(page: Page, server: Server) -> None:
    """1280 × 720: Stop is on screen without scrolling, and still after scrolling down."""
    page.set_viewport_size({"width": 1280, "height": 720})
    start_session(page, server.url, camera=False)
    for scroll in (0, 2000):
        page.evaluate(f"window.scrollTo(0, {scroll})")
        box = page.evaluate(
            "() => { const r = document.getElementById('stop').getBoundingClientRect();"
            " return [r.top, r.bottom]; }"
        )
        assert box[0] >= 0
        assert box[1] <= 720
