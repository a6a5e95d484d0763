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

import numpy as np
import pytest
from audio_clips import clip
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from tests.integration.test_web_listening import CHUNK, ORIGIN, WS, client, say, start, until

from backbuddy.audio.samples import RATE
from backbuddy.web.audio_in import audio_message

pytestmark = pytest.mark.slow

__all__ = ["client"]


def ready(ws: WebSocketTestSession, times: int) -> None:
    for n in range(times):
        ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": f"r{n}"})
        until(ws, lambda m, n=n: m.get("ref") == f"r{n}")


def send(ws: WebSocketTestSession, x: np.ndarray) -> None:
    """Samples as the page's microphone sends them."""
    for i in range(0, x.size, CHUNK):
        ws.send_bytes(audio_message(x[i : i + CHUNK].astype(np.float32), 0))


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


def test_a_voice_under_way_as_resume_puts_the_hands_back_on_pauses_at_once(
    client: TestClient,
) -> None:
    """Resume into the hold (nothing moves in the pause, so her voice there changes nothing)
    pressed while she is saying "stop": the hands go back on with her stop still unheard.
    Before, nothing paused until Whisper had her words (the same way from the rest into the
    breath-in, and the movement cue came first when Whisper was seconds behind); now the
    voice under way pauses as the hands go on, and her words still halt (red team, s25)."""
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.receive_json()
        ready(ws, 1)  # the assistant takes hold
        say(ws, "speech/joe_okay.wav")  # a voice there pauses; its words are heard
        until(ws, lambda m: m["type"] == "heard" and m["kind"] == "words")
        stop = clip("speech/joe_stop__please.wav")
        head, tail = stop[: round(0.5 * RATE)], stop[round(0.5 * RATE) :]
        send(ws, head)  # mid-"stop": her voice is under way
        until(ws, lambda m: m["type"] == "heard" and m["kind"] == "voice")
        ws.send_json({"v": 1, "type": "event", "event": {"event": "resume"}, "ref": "go"})
        resumed = until(ws, lambda m: m.get("ref") == "go" and m["type"] == "cues")
        send(ws, np.concatenate([tail, np.zeros(round(0.6 * RATE), np.float32)]))
        cues = cues_until_halt(ws)
    kinds = [c["kind"] for c in resumed["cues"]]
    assert "pause" in kinds, f"the hands went back on over her voice: {kinds}"
    assert next(c for c in resumed["cues"] if c["kind"] == "pause")["reason"] == "voice"
    assert any(c["kind"] == "halt" and c["ref"].startswith("heard") for c in cues)  # her words
