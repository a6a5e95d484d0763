"""In a real browser: "Not today" cannot be bypassed by the back button or a second tab.

Issue 11 item 4. The server refuses a start while a block holds, whatever page the
start comes from; these tests drive the ways a person could try it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from backbuddy.adapters.sql_store import SqlStore

from .conftest import Server, shot, start_server
from .flows import answer_screening

pytestmark = pytest.mark.e2e
OTHER = "side_lying_rotation"


@pytest.fixture
def plain_server(tmp_path: Path) -> Iterator[Server]:
    """No camera watch: these tests never reach the camera."""
    srv = start_server(tmp_path, camera=False)
    yield srv
    if srv.process.poll() is None:
        srv.kill()


def sessions(server: Server) -> int:
    with SqlStore(f"sqlite:///{server.db}") as store:
        return len(store.sessions())


def not_today(page: Page) -> None:
    expect(page.get_by_role("heading", name="Not today")).to_be_visible()
    expect(page.get_by_role("button", name="Go to set-up")).to_have_count(0)


def test_the_back_button_cannot_bypass_not_today(page: Page, plain_server: Server) -> None:
    url = plain_server.url
    answer_screening(page, url)
    expect(page.get_by_role("heading", name="You can go ahead")).to_be_visible()
    page.goto(url)
    answer_screening(page, url, yes=("cancer_history",))
    not_today(page)
    shot(page, "20-not-today")

    # Back to the form: it now says "Not today" itself, or (restored from the cache)
    # answering "no" everywhere still ends on "Not today", with the earlier yes shown.
    page.go_back()
    if page.locator("fieldset.question").count():
        for box in page.locator("input[value=no]").all():
            box.check()
        page.get_by_role("button", name="See the outcome").click()
    not_today(page)
    expect(
        page.get_by_text("you answered “yes” to “Have you ever had cancer").first
    ).to_be_visible()
    shot(page, "21-not-today-after-back")

    # Back to the "You can go ahead" page of the first screening, and press its button.
    go_ahead = page.get_by_role("heading", name="You can go ahead")
    for _ in range(4):
        page.go_back()
        if go_ahead.count():
            break
    expect(go_ahead).to_be_visible()
    page.get_by_role("button", name="Go to set-up").click()
    not_today(page)
    assert "/session/" not in page.url
    shot(page, "22-start-refused-after-back")
    assert sessions(plain_server) == 0


def test_a_second_tab_cannot_start_past_a_red_flag(browser: Browser, plain_server: Server) -> None:
    url = plain_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        # Each tab is opened when it is used, so the one in use is in front: in a tab
        # behind, Chromium holds back animation frames and each click waits ≈ 2 s for them.
        first = context.new_page()
        answer_screening(first, url)
        expect(first.get_by_role("heading", name="You can go ahead")).to_be_visible()

        second = context.new_page()
        answer_screening(second, url, yes=("saddle_numbness",))
        expect(second.get_by_role("heading", name="Get urgent medical help")).to_be_visible()
        second.goto(f"{url}/screening/{OTHER}")
        expect(second.get_by_role("heading", name="Get urgent medical help")).to_be_visible()
        expect(second.locator("fieldset.question")).to_have_count(0)

        first.bring_to_front()
        first.get_by_role("button", name="Go to set-up").click()
        expect(first.get_by_role("heading", name="Get urgent medical help")).to_be_visible()
        expect(first.get_by_text("call emergency services now").first).to_be_visible()
        assert "/session/" not in first.url
        shot(first, "23-second-tab-refused")
        assert sessions(plain_server) == 0
    finally:
        context.close()
