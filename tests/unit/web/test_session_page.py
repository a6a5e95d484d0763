"""The session page's inputs: a button for every sensation the engine knows (symptoms halt
at the press), and limits shown as the cautious proposals they are."""

from __future__ import annotations

import html
import json
import re

import pytest
from fastapi.testclient import TestClient

from backbuddy.audio.config import load as load_audio_config
from backbuddy.domain.events import SENSATION_KINDS, SYMPTOMS
from backbuddy.web import sensations
from backbuddy.web.app import LIMITS_NOTE

from .conftest import ORIGIN, WS, start_session

BUTTON = re.compile(r'<button type="button" data-sensation="([a-z_]+)"[^>]*>([^<]+)</button>')


def sensation_buttons(html: str) -> dict[str, tuple[str, bool]]:
    """kind → (label, halts at the press) for each sensation button on the page."""
    found = {}
    for match in BUTTON.finditer(html):
        found[match.group(1)] = (match.group(2), 'data-halts="1"' in match.group(0))
    return found


def test_every_sensation_the_engine_knows_has_a_button(client: TestClient) -> None:
    sid = start_session(client)
    buttons = sensation_buttons(client.get(f"/session/{sid}").text)
    assert set(buttons) == set(SENSATION_KINDS)
    for kind, (_label, halts) in buttons.items():
        assert halts == (kind in SYMPTOMS), kind
    assert buttons["chest_pain"][0] == "Chest pain"
    assert buttons["dizziness"][0] == "Dizzy"
    assert buttons["localised_pain"][0] == "Localised pain"


def test_a_sensation_added_to_the_engine_gets_a_button_that_halts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sensations.ev, "SENSATION_KINDS", (*SENSATION_KINDS, "pins_and_needles"))
    monkeypatch.setattr(sensations.ev, "SYMPTOMS", SYMPTOMS | {"pins_and_needles"})
    added = [b for b in sensations.buttons() if b.kind == "pins_and_needles"]
    assert [(b.label, b.halts) for b in added] == [("Pins and needles", True)]


def test_every_button_reaches_the_engine(client: TestClient) -> None:
    """The page sends each button's kind as is: the engine's gate takes every one, and each
    symptom (calm ones come first) answers with a halt, even after the first has ended it."""
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        for _ in range(3):
            ws.receive_json()
        for b in sensations.buttons():
            event = {"event": "sensation", "sensation": b.kind}
            ws.send_json({"v": 1, "type": "event", "event": event, "ref": b.kind})
            while (m := ws.receive_json()).get("ref") != b.kind:
                assert m["type"] != "error", m
            halted = bool(m["cues"]) and m["cues"][0]["kind"] == "halt"
            assert halted == b.halts, b.kind


def test_the_session_page_says_its_limits_are_proposals(client: TestClient) -> None:
    sid = start_session(client)
    page = client.get(f"/session/{sid}").text
    assert "proposed limit 30" in page
    assert "not a clinical standard" in page
    assert LIMITS_NOTE in page


def test_the_summary_says_its_limits_are_proposals(client: TestClient) -> None:
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        for _ in range(3):
            ws.receive_json()
    summary = client.get(f"/session/{sid}/summary").text
    assert "proposed limit 12 °" in summary
    assert "proposed limit 30 °/s" in summary
    assert LIMITS_NOTE in summary
    assert not re.search(r"[^d] limit \d", summary)  # no bare "limit 30" anywhere


def test_every_placement_picture_is_served_with_a_title(client: TestClient) -> None:
    """Issue 12: each picture the set-up page may show beside the live camera hint exists,
    is an SVG, and names what it shows (the page gives it alt text too)."""
    from backbuddy.motion.placement_hints import PICTURES

    for kind in PICTURES:
        r = client.get(f"/static/img/camera-{kind.replace('_', '-')}.svg")
        assert r.status_code == 200, kind
        assert "<title" in r.text, kind


def test_the_page_flags_its_own_stop_word_from_the_servers_list(client: TestClient) -> None:
    """One list: the page reads the server's stop words (audio.yaml) from the page, and has
    none of its own (`voice_out.saysStopWord`; its matching: tests/e2e/test_voice_e2e.py)."""
    sid = start_session(client)
    found = re.search(r'data-stop-words="([^"]*)"', client.get(f"/session/{sid}").text)
    assert found is not None
    assert json.loads(html.unescape(found.group(1))) == list(load_audio_config().words.stop)
