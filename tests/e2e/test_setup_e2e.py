"""In a real browser: set-up shows where the camera goes (a picture per technique), on a phone
the camera preview and checklist come first, and what the pop is comes before the first
attempt of each technique (issue 13, items 6–8)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import SHOTS, Server, start_server
from .flows import TECHNIQUE, start_session

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
POP_KEY = f"backbuddy-pop-read:{TECHNIQUE}"


@pytest.fixture
def plain_server(tmp_path: Path) -> Iterator[Server]:
    srv = start_server(tmp_path, camera=False)
    yield srv
    if srv.process.poll() is None:
        srv.kill()


def top(page: Page, selector: str) -> float:
    found: float = page.evaluate(
        "(s) => document.querySelector(s).getBoundingClientRect().top + scrollY", selector
    )
    return found


def seen_shot(page: Page, name: str, full: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def loaded(page: Page, selector: str) -> None:
    """Every image `selector` finds has loaded a picture (a broken one never does): waited
    for, as a loaded box may still be fetching it (a run at load 16 read one half-way)."""
    page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every(i => i.complete && i.naturalWidth > 0)",
        arg=selector,
        timeout=30000,
    )


def expect_placement_picture(page: Page) -> None:
    picture = page.locator("#placement-figure img")
    expect(picture).to_be_visible()
    loaded(page, "#placement-figure img")
    assert "placement-seated_hug_extension.svg" in (picture.get_attribute("src") or "")
    expect(page.locator("#placement-figure figcaption")).to_contain_text("60")


def test_set_up_on_a_phone_shows_the_camera_and_checklist_first(page: Page, server: Server) -> None:
    start_session(page, server.url)  # camera watch on: the preview plays the fake camera
    page.wait_for_function("document.getElementById('video').videoWidth > 0")
    page.get_by_role("button", name="Got it").click()
    expect_placement_picture(page)
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    seen_shot(page, "40-setup-1280")
    page.set_viewport_size(PHONE)
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    viewer, checklist, guide = (top(page, s) for s in (".viewer", "#checklist", ".guide"))
    assert viewer < checklist < guide, (viewer, checklist, guide)
    box = page.locator(".viewer").bounding_box()
    assert box is not None
    assert box["y"] + box["height"] / 2 < PHONE["height"], "the preview starts below the fold"
    expect_placement_picture(page)
    seen_shot(page, "40-setup-390")
    seen_shot(page, "40-setup-390-whole", full=True)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width} px wide"


def test_the_pop_note_comes_before_the_first_attempt(
    browser: Browser, plain_server: Server
) -> None:
    """The first session of a technique always shows it (even on a device that read it);
    after that, once per device; it goes once the first attempt begins."""
    url = plain_server.url
    device = browser.new_context(viewport=LAPTOP)
    other = browser.new_context(viewport=PHONE)
    try:
        page = device.new_page()
        page.goto(url)
        page.evaluate(f"localStorage.setItem('{POP_KEY}', '1')")  # read here before, elsewhere
        start_session(page, url, camera=False)
        note = page.locator("#pop-note")
        expect(note).to_be_visible()
        expect(note).to_contain_text("not bones grinding")
        expect(note).to_contain_text("isn't the goal")
        expect(note).to_contain_text("Never chase it")
        seen_shot(page, "41-pop-note-1280")
        page.get_by_role("button", name="Got it").click()
        expect(note).to_be_hidden()
        # Ended before any attempt: not a session for the one-a-day rule.
        page.get_by_role("button", name="Stop", exact=True).click()
        page.get_by_role("button", name="End session").click()
        expect(page.locator("#session")).to_have_attribute("data-mode", "ended")

        start_session(page, url, camera=False)
        expect(page.locator("#pop-note")).to_be_hidden()  # read on this device
        page.get_by_role("button", name="Stop", exact=True).click()
        page.get_by_role("button", name="End session").click()
        expect(page.locator("#session")).to_have_attribute("data-mode", "ended")

        phone = other.new_page()
        phone.set_viewport_size(LAPTOP)  # the screening as one page; set-up at phone width
        start_session(phone, url, camera=False)
        phone.set_viewport_size(PHONE)
        note = phone.locator("#pop-note")
        expect(note).to_be_visible()  # another device: not read there yet
        # On a phone the camera preview and checklist come first, then this note.
        assert top(phone, "#checklist") < top(phone, "#pop-note") < top(phone, ".guide")
        note.scroll_into_view_if_needed()
        seen_shot(phone, "41-pop-note-390")
        for _ in range(2):
            phone.get_by_role("button", name="We're in position").click()
        expect(phone.locator("#session")).to_have_attribute("data-mode", "attempt", timeout=10000)
        expect(note).to_be_hidden()  # shown before the first attempt, gone once it begins
        assert phone.evaluate(f"localStorage.getItem('{POP_KEY}')") == "1"
    finally:
        device.close()
        other.close()


def test_learn_more_says_what_the_pop_is_and_where_the_camera_goes(
    page: Page, plain_server: Server
) -> None:
    page.goto(plain_server.url)
    page.get_by_role("link", name="Learn", exact=True).first.click()
    expect(page.get_by_role("heading", name='What the "pop" is')).to_be_visible()
    expect(page.locator("#pop")).to_contain_text("cavitation")
    expect(page.locator("#camera img")).to_have_count(2)
    loaded(page, "#camera img")
    seen_shot(page, "42-learn-1280", full=True)
    page.set_viewport_size(PHONE)
    seen_shot(page, "42-learn-390", full=True)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width} px wide"
