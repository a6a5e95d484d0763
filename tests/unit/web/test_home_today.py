"""The home page says whether today's session is used and when the next may start (issue 13
item 4), by the rule that refuses a start, with every time as a `<time>` the browser shows in
its own zone. A real app over a real SQLite store."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from fastapi.testclient import TestClient

from backbuddy.domain import events as ev
from backbuddy.domain.screening import ScreeningResult
from backbuddy.services.escalation import local_zone

from .conftest import TECHNIQUE, start_session

OTHER = "side_lying_rotation"
START = "Start with the safety questions"


BOTH = f"{TECHNIQUE} {OTHER}"


def next_start_lines(page: str) -> dict[str, str]:
    """The techniques of each "next start" line → what it says, tags and spaces dropped."""
    found = re.findall(r'class="next-start" data-technique="([\w ]+)">(.*?)</p>', page, re.S)
    return {ids: " ".join(re.sub(r"<[^>]+>", "", text).split()) for ids, text in found}


def next_start_times(page: str) -> dict[str, str]:
    """The techniques of each "next start" line → the ISO time it names."""
    found = re.findall(
        r'class="next-start" data-technique="([\w ]+)">[^<]*<strong><time datetime="([^"]+)"',
        page,
    )
    return dict(found)


def test_a_fresh_home_page_says_today_is_free_and_offers_both_starts(client: TestClient) -> None:
    page = client.get("/").text
    assert "Today's session is not used yet." in page
    assert next_start_lines(page) == {BOTH: "a session can start now."}
    assert page.count(START) == 2
    assert next_start_times(page) == {}


def test_after_todays_session_it_says_so_and_when_the_next_may_start(client: TestClient) -> None:
    start_session(client)
    page = client.get("/").text
    assert "Today's session is used: Seated Hug Extension at <time" in page
    tomorrow = datetime.now(local_zone()).date() + timedelta(days=1)
    midnight = datetime.combine(tomorrow, time(), tzinfo=local_zone()).astimezone(UTC)
    expected = midnight.isoformat(timespec="seconds")
    assert next_start_times(page) == {BOTH: expected}  # one line: the day limit is the person's
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


def test_a_region_resting_after_a_pop_gets_its_own_line(client: TestClient) -> None:
    """Yesterday's seated hug, with a click heard 5 minutes ago (after its end): the mid-back
    rests 20 minutes from the click; the lower back may start now."""
    store = client.app.state.registry.store  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    started = datetime.combine(
        now.astimezone(local_zone()).date() - timedelta(days=1), time(23), local_zone()
    )
    screened = ScreeningResult(TECHNIQUE, "clear", (), started, started + timedelta(hours=2))
    sid = store.start_session(TECHNIQUE, store.save_screening(screened, {}), started, False)
    store.append_event(sid, 0, ev.Begin(0.0, camera=False))
    pop_t = (now - started).total_seconds() - 300
    store.append_event(sid, 1, ev.Pop(pop_t))
    store.finish_session(sid, "completed", started + timedelta(minutes=20), 3, "completed")
    page = client.get("/").text
    assert "Today's session is not used yet." in page
    lines = next_start_lines(page)
    assert lines[OTHER] == "Assisted Side-Lying Rotation: a session can start now."
    assert lines[TECHNIQUE].startswith("Seated Hug Extension: the next session can start from")
    rest_end = datetime.fromisoformat(next_start_times(page)[TECHNIQUE])
    assert abs(rest_end - (started + timedelta(seconds=pop_t, minutes=20))) < timedelta(seconds=1)
    assert page.count(START) == 1


def test_a_refused_start_says_why_and_when_the_next_may_start(client: TestClient) -> None:
    """From an old page or another tab: the questions and the start itself are refused with
    the same reason and the same next start as the home page shows."""
    sid = start_session(client)
    home = next_start_times(client.get("/").text)[BOTH]
    refused = client.get(f"/screening/{OTHER}")
    assert refused.status_code == 409
    assert "Not now: Assisted Side-Lying Rotation" in refused.text
    assert "the limit is 1 a day" in refused.text
    assert f'The next session can start from <strong><time datetime="{home}"' in refused.text
    # Once it is over (while it runs, a second start goes back to it: test_start_twice.py).
    live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
    live.interrupt("test: ended").result(timeout=10)
    posted = client.post("/sessions", data={"technique": TECHNIQUE}, follow_redirects=False)
    assert posted.status_code == 409
    assert f'<time datetime="{home}"' in posted.text
