"""A spoken stop where the assistant's hands are on the receiver but nothing moves yet (voice
review): the set-up step where the assistant takes hold, and the breath-in before the movement.

Before, only the words could stop there: the stop waited for the end of speech and Whisper on
the server's one words thread (~3 s on a loaded machine), and a stop said late in the breath-in
came after the movement cue. Now a voice pauses there at once, as in the movement (the
technique's `hands_on` steps and phases); the words still halt when heard. In the receiver's
own set-up step, with the assistant out of view, talk changes nothing.
Real models (Silero VAD, Whisper tiny.en), the real app in process, audio as the page sends it.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from tests.integration.test_web_listening import ORIGIN, WS, client, say, start, until

pytestmark = pytest.mark.slow

__all__ = ["client"]


def ready(ws: WebSocketTestSession, times: int) -> None:
    for n in range(times):
        ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": f"r{n}"})
        until(ws, lambda m, n=n: m.get("ref") == f"r{n}")


def cues_until_halt(ws: WebSocketTestSession) -> list[dict[str, Any]]:
    """Every cue until the first halt, in order, each with the `ref` of what caused it."""
    seen: list[dict[str, Any]] = []

    def take(m: dict[str, Any]) -> bool:
        if m["type"] == "cues":
            seen.extend({**c, "ref": m.get("ref")} for c in m["cues"])
        return any(c["kind"] == "halt" for c in seen)

    until(ws, take)
    return seen


@pytest.mark.parametrize("readies", [1, 2], ids=["assistant-takes-hold", "breathe-in"])
def test_a_spoken_stop_where_the_hands_are_on_pauses_at_the_voice_then_halts(
    client: TestClient, readies: int
) -> None:
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.receive_json()
        ready(ws, readies)
        if readies == 2:
            assert until(ws, lambda m: m["type"] == "state")["phase"] == "breathe_in"
        say(ws, "speech/joe_stop.wav")
        cues = cues_until_halt(ws)
    stopping = [c for c in cues if c["kind"] in ("pause", "halt", "move")]
    assert [c["kind"] for c in stopping] == ["pause", "halt"], "the stop waited for its words"
    assert stopping[0]["reason"] == "voice"
    assert stopping[0]["text"].startswith("Paused: we heard you")
    assert stopping[0]["ref"] != stopping[1]["ref"]  # the voice, then the words


def test_talk_in_the_receivers_own_set_up_step_changes_nothing(client: TestClient) -> None:
    """The assistant waits out of view while the camera finds the receiver: not hands-on."""
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.receive_json()
        say(ws, "speech/joe_okay.wav")
        heard = until(ws, lambda m: m["type"] == "heard" and m["kind"] == "words")
        assert heard["meaning"] != "stop"
        ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": "r"})
        cues = until(ws, lambda m: m.get("ref") == "r" and m["type"] == "cues")
    assert [c["kind"] for c in cues["cues"]][:1] == ["step"]  # set-up went on, no pause
