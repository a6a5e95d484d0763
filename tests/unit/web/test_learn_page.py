"""The "Learn more" page and the pop note on the session page (issue 13, item 6)."""

from __future__ import annotations

from html import unescape

from fastapi.testclient import TestClient

from backbuddy.domain import learn, techniques
from backbuddy.web.learn_page import pop_points

from .conftest import start_session


def test_the_learn_page_says_what_the_pop_is_with_its_guide_sources(client: TestClient) -> None:
    page = unescape(client.get("/learn").text)
    for point in pop_points(20):
        assert point in page
    for p in learn.load().pop.points:
        assert p.source in page
    assert 'id="pop"' in page


def test_the_learn_page_shows_where_the_camera_goes_for_each_technique(client: TestClient) -> None:
    page = client.get("/learn").text
    for t in techniques.load_all().values():
        assert f"/static/img/placement-{t.id}.svg" in page
        assert client.get(f"/static/img/placement-{t.id}.svg").status_code == 200


def test_the_session_page_shows_the_pop_note_before_the_first_attempt(client: TestClient) -> None:
    sid = start_session(client)
    page = client.get(f"/session/{sid}").text
    assert 'id="pop-note"' in page
    assert 'data-first="1"' in page  # no earlier session of this technique: shown whatever
    assert "cavitation" in page
    assert 'href="/learn#pop"' in page
