"""The microphone stops mid-movement while the pair counts on a spoken stop (red-team review).

During the movement nobody has a free hand: the receiver says "stop". The page's microphone
can stop sending (unplugged, suspended by the browser, a stalled page) while the session
socket stays open. The server used to go on as if listening: the page still said
"Listening", the movement went on, and a spoken stop would have gone unheard. Now, once the
check has passed, no audio for `AUDIO_GAP_S` tells the page listening is unavailable and
pauses the movement (`listening_lost`). Real models (Silero VAD, Whisper tiny.en), the real
app in process.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from tests.integration.test_web_listening import CHECKING, ORIGIN, WS, client, say, start, until

from backbuddy.web.audio_in import audio_message

pytestmark = pytest.mark.slow

__all__ = ["client"]


class Microphone:
    """The page's AudioWorklet: 32 ms of room quiet every 32 ms, until it `dies`."""

    def __init__(self, ws: Any, flags: int = 0) -> None:
        self.ws = ws
        #: The page's flags: CHECKING while its microphone check waits for "stop".
        self.flags = flags
        self.dead = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        rng = np.random.default_rng(42)
        while not self.dead.is_set():
            quiet = (rng.standard_normal(512) * 1e-3).astype(np.float32)
            self.ws.send_bytes(audio_message(quiet, self.flags))
            time.sleep(0.032)

    def __enter__(self) -> Microphone:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.dead.set()
        self.thread.join()


def checked_to_the_movement(ws: Any, live: Any, mic: Microphone) -> None:
    """The microphone check passed ("stop" said with CHECKING), then Resume, both set-up
    steps, most of the breath-in skipped, and the movement (`mobilise`)."""
    assert until(ws, lambda m: m["type"] == "listening")["state"] == "checked"
    mic.flags = 0
    ws.send_json({"v": 1, "type": "event", "event": {"event": "resume"}, "ref": "r"})
    until(ws, lambda m: m.get("ref") == "r")
    for n in range(2):
        ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": f"r{n}"})
        until(ws, lambda m, n=n: m.get("ref") == f"r{n}")
    live.t0 -= 3.5  # most of the breathe-in
    until(ws, lambda m: m["type"] == "state" and m["phase"] == "mobilise")


def test_a_microphone_that_stops_mid_movement_pauses_it_and_the_page_is_told(
    client: TestClient,
) -> None:
    sid = start(client)
    live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.receive_json()
        say(ws, "speech/joe_stop.wav", flags=CHECKING)
        with Microphone(ws, CHECKING) as mic:  # the page's microphone goes on sending the room
            checked_to_the_movement(ws, live, mic)
            mic.dead.set()  # the microphone is unplugged: no more audio, the socket stays
            heard: list[dict[str, Any]] = []
            # Without the watch the movement would run on to hold, release and rest.
            end = until(
                ws,
                lambda m: (
                    heard.append(m) is None
                    and (
                        (m["type"] == "cues" and any(c["kind"] == "pause" for c in m["cues"]))
                        or (m["type"] == "state" and m["phase"] == "release")
                    )
                ),
            )
    told = [m for m in heard if m["type"] == "listening"]
    assert [t["state"] for t in told] == ["unavailable"]
    assert "spoken stop" in told[0]["message"]
    assert end["type"] == "cues", "the movement went on with nobody listening"
    pause = next(c for c in end["cues"] if c["kind"] == "pause")
    assert pause["reason"] == "listening_lost"
    assert live.listening is False


def test_after_listening_is_lost_the_check_in_the_pause_restores_the_guard(
    client: TestClient,
) -> None:
    """The microphone stops mid-movement (listening lost, the movement pauses). The page
    opens it again in the pause and the receiver says "stop" for the check: listening is
    confirmed again, and a second drop is caught by the gap watch as the first was. Before,
    the check passed only before the first attempt: no "checked", and nothing guarded the
    rest of the session (the page said "say stop to your partner" to the end)."""
    sid = start(client)
    live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.receive_json()
        say(ws, "speech/joe_stop.wav", flags=CHECKING)
        with Microphone(ws, CHECKING) as mic:
            checked_to_the_movement(ws, live, mic)
        assert until(ws, lambda m: m["type"] == "listening")["state"] == "unavailable"
        until(ws, lambda m: m["type"] == "state" and m["mode"] == "paused")
        assert live.listening is False
        say(ws, "speech/joe_stop.wav", flags=CHECKING)  # the page's microphone, opened again
        with Microphone(ws, CHECKING):
            words = until(ws, lambda m: m["type"] == "heard" and m["kind"] == "words")
            assert words["check"], "the check in the pause did not pass"
            checked = until(ws, lambda m: m["type"] == "listening")
        assert checked["state"] == "checked"
        assert live.listening is True
        # and the gap watch guards again: the microphone stops a second time
        assert until(ws, lambda m: m["type"] == "listening")["state"] == "unavailable"
        assert live.listening is False
