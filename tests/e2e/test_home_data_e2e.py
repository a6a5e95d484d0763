"""In a real browser: the home page says whether today's session is used and when the next
may start, in the browser's own time zone (far from the server's UTC); the summary and
history pages hand over the clinician report (HTML, PDF) and the FHIR and JSON exports as
downloads, and delete everything only after the words are typed (issue 13 items 4 and 5).

Layout is checked at 1280×800 and 390×844: nothing runs off the side of the screen.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from backbuddy.reports.html import TITLE

from .conftest import Server, shot, start_server
from .flows import answer_screening

pytestmark = pytest.mark.e2e

#: UTC+14 all year: the browser's day and clock are far from the server's UTC.
ZONE = "Pacific/Kiritimati"
PHONE = {"width": 390, "height": 844}
SIZES = [{"width": 1280, "height": 800}, PHONE]


def size_id(size: dict[str, int]) -> str:
    return f"{size['width']}x{size['height']}"


@pytest.fixture
def quick_grace_server(tmp_path: Path) -> Iterator[Server]:
    """A fresh server without the camera watch whose left sessions are recorded as
    interrupted after 1 s, not 5 s: the report test waits for that record."""
    srv = start_server(tmp_path, camera=False, grace=1.0)
    yield srv
    if srv.process.poll() is None:
        srv.kill()


def context_for(browser: Browser, size: dict[str, int]) -> BrowserContext:
    return browser.new_context(
        viewport=size,
        timezone_id=ZONE,
        locale="en-GB",
        is_mobile=size["width"] < 500,
        accept_downloads=True,
    )


def start_and_leave(page: Page, base: str) -> None:
    """A clean screening, a session started without the camera, then the page left: today's
    session is used (the server halts it, and marks it interrupted after its grace period)."""
    answer_screening(page, base, by_hand=False)
    box = page.get_by_label("Use the camera watch (recommended)")
    if box.count():
        box.uncheck()
    page.get_by_role("button", name="Go to set-up").click()
    page.wait_for_url("**/session/*")
    page.goto(base)


def local(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(ZONE))


def shown_time(page: Page, selector: str) -> tuple[str, str]:
    """(the ISO moment, the text shown for it) of the first <time> under `selector`."""
    stamp = page.locator(f"{selector} time").first
    expect(stamp).to_have_attribute("data-local", "1")
    return stamp.get_attribute("datetime") or "", stamp.inner_text()


def no_sideways_scroll(page: Page, size: dict[str, int]) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= size["width"], f"the page is {width} px wide at {size_id(size)}"


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_home_says_today_is_used_and_when_next_in_the_browsers_zone(
    browser: Browser, plain_server: Server, size: dict[str, int]
) -> None:
    context = context_for(browser, size)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        page.goto(plain_server.url)
        today = page.locator("#today")
        expect(today).to_contain_text("Today's session is not used yet.")
        expect(page.get_by_role("link", name="Start with the safety questions")).to_have_count(2)
        no_sideways_scroll(page, size)
        shot(page, f"60-home-today-free-{size_id(size)}")

        start_and_leave(page, plain_server.url)
        expect(today).to_contain_text("Today's session is used: Seated Hug Extension at")
        started_iso, started_text = shown_time(page, "#today p.big")
        assert started_text == f"{local(started_iso):%H:%M}", started_text

        # The next start is the server's next local midnight, by the rule that refuses a start…
        server_midnight = datetime.combine(
            datetime.now().astimezone().date() + timedelta(days=1),
            datetime.min.time(),
            tzinfo=datetime.now().astimezone().tzinfo,
        )
        for technique in ("seated_hug_extension", "side_lying_rotation"):
            iso, text = shown_time(page, f".next-start[data-technique~={technique}]")
            assert datetime.fromisoformat(iso) == server_midnight
            # …shown in the browser's zone (UTC+14), not the server's UTC.
            there = local(iso)
            assert f"{there:%H:%M}" in text, text
            assert f"{there.day} {there:%b}" in text, text
            assert "UTC" not in text
        expect(page.get_by_role("link", name="Start with the safety questions")).to_have_count(0)
        expect(page.get_by_text("Next possible start:")).to_have_count(2)
        no_sideways_scroll(page, size)
        shot(page, f"61-home-today-used-{size_id(size)}")

        # The start itself is refused by the same rule.
        page.goto(f"{plain_server.url}/screening/seated_hug_extension")
        expect(page.get_by_role("heading", name="Not now: Seated Hug Extension")).to_be_visible()
        expect(page.get_by_text("the limit is 1 a day")).to_be_visible()
        iso, text = shown_time(page, ".next-start")
        assert datetime.fromisoformat(iso) == server_midnight
        assert f"{local(iso):%H:%M}" in text
        shot(page, f"67-not-now-{size_id(size)}")

        page.goto(f"{plain_server.url}/history")
        iso, text = shown_time(page, "table")
        assert f"{local(iso):%H:%M}" in text
        assert "UTC" not in text
        no_sideways_scroll(page, size)
        shot(page, f"62-history-local-times-{size_id(size)}")

        # A kept write a crash cut off (set aside by the store) is said until marked read.
        torn = Path(f"{plain_server.db}.unstored.torn")
        torn.write_bytes(b'{"v":1,"session_id":1,"steps":[{"seq":\n')
        page.goto(plain_server.url)
        notice = page.get_by_role("alert").filter(has_text="A record was cut off")
        expect(notice).to_contain_text("If a symptom was felt in session 1, tell a physio")
        no_sideways_scroll(page, size)
        notice.get_by_role("button", name="I have read this").click()
        expect(page.get_by_text("A record was cut off")).to_have_count(0)
    finally:
        context.close()
    assert not errors, f"the page threw: {errors}"


def wait_until_recorded(page: Page, base: str) -> None:
    """The left session is marked interrupted after the server's grace period."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page.goto(f"{base}/history")
        if page.get_by_role("cell", name="interrupted").count():
            return
        page.wait_for_timeout(500)
    raise AssertionError("the session was never recorded as interrupted")


def on_a_phone(browser: Browser, url: str, name: str, *controls: tuple[str, str]) -> None:
    """`url` opened in a phone's context (390×844, mobile): each of `controls` (role, name) is
    there and visible once scrolled to, and nothing runs off the side."""
    context = context_for(browser, PHONE)
    try:
        phone = context.new_page()
        phone.goto(url)
        for role, label in controls:
            control = phone.get_by_role(role, name=label)  # type: ignore[arg-type]
            control.scroll_into_view_if_needed()
            expect(control).to_be_visible()
        no_sideways_scroll(phone, PHONE)
        shot(phone, f"{name}-{size_id(PHONE)}")
    finally:
        context.close()


def test_reports_and_exports_download_and_delete_needs_the_typed_words(
    browser: Browser, quick_grace_server: Server
) -> None:
    """One walk at 1280×800; the summary and the delete page are also opened on a phone
    (390×844): every control there, nothing off the side. (Each size used to walk the whole
    path; the downloads and the typed-words check are the same at every size, and a walk
    is ~9 s.)"""
    size = SIZES[0]
    context = context_for(browser, size)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    base = quick_grace_server.url
    try:
        start_and_leave(page, base)
        wait_until_recorded(page, base)
        page.locator("table a").first.click()
        expect(page.get_by_role("heading", name="Session summary")).to_be_visible()
        data = page.locator("#your-data")
        data.scroll_into_view_if_needed()
        heading = data.get_by_role("heading", name="For a professional, and your data")
        expect(heading).to_be_visible()
        no_sideways_scroll(page, size)
        shot(page, f"63-summary-your-data-{size_id(size)}")
        on_a_phone(
            browser,
            page.url,
            "63-summary-your-data",
            ("heading", "For a professional, and your data"),
            ("button", "Open the report (HTML)"),
            ("button", "Download the report (PDF)"),
            ("link", "Download FHIR export (JSON)"),
            ("link", "Download plain export (JSON)"),
            ("link", "Delete everything backbuddy stored…"),
        )

        page.get_by_label("Receiver's name on the report (optional)").fill("Alex Doe")
        with page.expect_popup() as popup:
            page.get_by_role("button", name="Open the report (HTML)").click()
        report = popup.value
        report.wait_for_load_state()
        expect(report.get_by_text(" ".join(TITLE.split()[:4]), exact=False).first).to_be_visible()
        expect(report.get_by_text("Alex Doe").first).to_be_visible()
        shot(report, f"64-report-html-{size_id(size)}")
        report.close()

        with page.expect_download() as pdf:
            page.get_by_role("button", name="Download the report (PDF)").click()
        assert pdf.value.suggested_filename.endswith(".pdf")
        assert Path(pdf.value.path()).read_bytes()[:5] == b"%PDF-"
        with page.expect_download() as fhir:
            page.get_by_role("link", name="Download FHIR export (JSON)").click()
        bundle = json.loads(Path(fhir.value.path()).read_text(encoding="utf-8"))
        assert bundle["resourceType"] == "Bundle"
        with page.expect_download() as plain:
            page.get_by_role("link", name="Download plain export (JSON)").click()
        dump = json.loads(Path(plain.value.path()).read_text(encoding="utf-8"))
        assert len(dump["sessions"]) == 1

        page.get_by_role("link", name="Delete everything backbuddy stored…").click()
        expect(page.get_by_role("heading", name="Delete everything?")).to_be_visible()
        expect(page.get_by_text("1 session", exact=True)).to_be_visible()
        no_sideways_scroll(page, size)
        shot(page, f"65-forget-confirm-{size_id(size)}")
        on_a_phone(
            browser,
            page.url,
            "65-forget-confirm",
            ("heading", "Delete everything?"),
            ("button", "Delete everything"),
        )
        words = page.get_by_label("To confirm, type delete everything")
        words.fill("yes")
        page.get_by_role("button", name="Delete everything").click()
        assert not page.evaluate("document.getElementById('confirm').checkValidity()")
        expect(page.get_by_role("heading", name="Delete everything?")).to_be_visible()
        words.fill("delete everything")
        page.get_by_role("button", name="Delete everything").click()
        expect(page.get_by_role("heading", name="Everything is deleted")).to_be_visible()
        shot(page, f"66-forgotten-{size_id(size)}")
        page.goto(f"{base}/history")
        expect(page.get_by_text("No sessions yet.")).to_be_visible()
        page.goto(base)
        expect(page.locator("#today")).to_contain_text("Today's session is not used yet.")
    finally:
        context.close()
    assert not errors, f"the page threw: {errors}"
