"""The home page says whether today's session is used and when the next may start (issue 13
item 4), by the rule that refuses a start, with every time as a `<time>` the browser shows in
its own zone. A real app over a real SQLite store."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from fastapi.testclient import TestClient

from backbuddy.services.escalation import local_zone

from .conftest import TECHNIQUE, start_session

OTHER = "side_lying_rotation"
START = "Start with the safety questions"


def next_start_times(page: str) -> dict[str, str]:
    """Technique id → the ISO time its "next session can start from" line names."""
    found = re.findall(
        r'class="next-start" data-technique="(\w+)">.*?<time datetime="([^"]+)"', page, re.S
    )
    return dict(found)


def test_a_fresh_home_page_says_today_is_free_and_offers_both_starts(client: TestClient) -> None:
    page = client.get("/").text
    assert "Today's session is not used yet." in page
    assert page.count("you can start now.") == 2
    assert page.count(START) == 2
    assert next_start_times(page) == {}


def test_after_todays_session_it_says_so_and_when_the_next_may_start(client: TestClient) -> None:
    start_session(client)
    page = client.get("/").text
    assert "Today's session is used: Seated Hug Extension at <time" in page
    tomorrow = datetime.now(local_zone()).date() + timedelta(days=1)
    midnight = datetime.combine(tomorrow, time(), tzinfo=local_zone()).astimezone(UTC)
    expected = midnight.isoformat(timespec="seconds")
    assert next_start_times(page) == {TECHNIQUE: expected, OTHER: expected}
    assert START not in page
    assert page.count("Next possible start:") == 2
    # The same rule refuses the start itself: the questions are not even asked.
    for technique in (TECHNIQUE, OTHER):
        refused = client.get(f"/screening/{technique}")
        assert refused.status_code == 409
        assert "limit is 1 a day" in refused.text


def test_times_are_rendered_for_the_browser_zone_with_a_utc_fallback(client: TestClient) -> None:
    sid = start_session(client)
    for url in ("/", "/history", f"/session/{sid}/summary"):
        page = client.get(url).text
        stamps = re.findall(r'<time datetime="([^"]+)" data-style="(\w+)">([^<]+)</time>', page)
        assert stamps, url
        for iso, _style, fallback in stamps:
            assert datetime.fromisoformat(iso).utcoffset() == timedelta(0), iso
            assert fallback.endswith("UTC") or re.fullmatch(r"\d\d \w\w\w \d{4}", fallback)
        assert '<script type="module" src="/static/js/times.js">' in page
    assert "(UTC)" not in client.get("/history").text
