"""A listening model that breaks mid-movement, while the pair counts on a spoken stop (red team).

During the movement nobody has a free hand: the spoken "stop" is the brake. Silence, dropped
sound and a server behind on the sound already pause the movement (`listening_lost`). A model
that raises did not: the voice-activity model failing told the page "unavailable" but the
movement went on, and Whisper failing on one utterance (the receiver's "stop" said while the
page spoke a cue, so only its words count) was dropped without a word. Now both are a way
listening is lost like the others: the page is told, and a movement pauses.
Real models (Silero VAD, Whisper tiny.en) that are made to fail, the real app in process.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

import numpy as np
import pytest
from audio_clips import clip
from fastapi.testclient import TestClient
from tests.integration.test_listening_dropped import pause_or_release, to_mobilise
from tests.integration.test_listening_lost import Microphone
from tests.integration.test_web_listening import CHECKING, ORIGIN, WS, client, start

from backbuddy import bootstrap
from backbuddy.adapters.vad import SileroVad
from backbuddy.audio.samples import Samples
from backbuddy.services.listen import Listener, Recogniser
from backbuddy.web.audio_in import SPEAKING, audio_message

pytestmark = pytest.mark.slow

__all__ = ["client"]


class BreakingVad:
    """Silero VAD until `broken` is set, then the runtime error a broken model raises."""

    def __init__(self) -> None:
        self.vad = SileroVad()
        self.broken = threading.Event()

    def push(self, chunk: Samples) -> list[float]:
        if self.broken.is_set():
            raise RuntimeError("onnxruntime: the session failed")
        return self.vad.push(chunk)


class Talking(Microphone):
    """The page's microphone in real time, with a clip in its stream when `says` is called."""

    def __init__(self, ws: Any, flags: int = 0) -> None:
        super().__init__(ws, flags)
        self.said: queue.Queue[np.ndarray] = queue.Queue()

    def says(self, name: str) -> None:
        x = clip(name).copy()
        fade = np.linspace(0.0, 1.0, 320, dtype=np.float32)  # 20 ms: no splice click
        x[:320] *= fade
        x[-320:] *= fade[::-1]
        for i in range(0, x.size - 511, 512):
            self.said.put(x[i : i + 512])

    def _run(self) -> None:
        rng = np.random.default_rng(42)
        while not self.dead.is_set():
            try:
                chunk = self.said.get_nowait()
            except queue.Empty:
                chunk = (rng.standard_normal(512) * 1e-3).astype(np.float32)
            self.ws.send_bytes(audio_message(chunk, self.flags))
            time.sleep(0.032)


class BreakingWords:
    """Whisper tiny.en until `broken` is set, then an error on every utterance."""

    def __init__(self, words: Recogniser) -> None:
        self.words = words
        self.broken = threading.Event()

    def transcribe(self, samples: Samples) -> str:
        if self.broken.is_set():
            raise RuntimeError("the word model failed on this utterance")
        return self.words.transcribe(samples)


def _paused_for_listening(end: dict[str, Any], seen: list[dict[str, Any]], live: Any) -> str:
    """The movement paused as for a lost microphone; returns what the page was told."""
    told = [m for m in seen if m["type"] == "listening"]
    assert [t["state"] for t in told] == ["unavailable"]
    assert end["type"] == "cues", "the movement went on though nothing could hear a stop"
    pause = next(c for c in end["cues"] if c["kind"] in ("pause", "halt"))
    assert (pause["kind"], pause["reason"]) == ("pause", "listening_lost")
    assert live.runner.state.attempts == 0  # a pause the pair did not cause
    assert live.listening is False
    return str(told[0]["message"])


def test_a_voice_model_that_breaks_mid_movement_pauses_it_and_the_page_is_told(
    client: TestClient,
) -> None:
    """Before: the page was told listening is unavailable, and the movement ran on to release."""
    registry = client.app.state.registry  # type: ignore[attr-defined]
    vad = BreakingVad()
    registry.ears.listener = lambda: Listener(vad)
    sid = start(client)
    live = registry.get(sid)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.receive_json()
        with Microphone(ws, CHECKING) as mic:
            to_mobilise(ws, live, mic)
            vad.broken.set()
            seen: list[dict[str, Any]] = []
            end = pause_or_release(ws, seen)
    message = _paused_for_listening(end, seen, live)
    assert "RuntimeError" in message


def test_a_stop_the_word_model_fails_on_pauses_the_movement_and_the_page_is_told(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The receiver says "stop" while the page speaks a cue (its voice onset is taken for the
    page's own, so only the words count) and Whisper raises on it. Before: nothing at all."""
    words = BreakingWords(bootstrap.words())
    monkeypatch.setattr(bootstrap, "words", lambda: words)
    registry = client.app.state.registry  # type: ignore[attr-defined]
    sid = start(client)
    live = registry.get(sid)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.receive_json()
        with Talking(ws, CHECKING) as mic:
            to_mobilise(ws, live, mic)
            words.broken.set()
            mic.flags = SPEAKING
            mic.says("speech/joe_stop.wav")
            seen: list[dict[str, Any]] = []
            end = pause_or_release(ws, seen)
    message = _paused_for_listening(end, seen, live)
    assert "RuntimeError" in message
