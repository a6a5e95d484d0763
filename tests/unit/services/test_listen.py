"""From what was heard to engine events (the merge into a session on the simulated clock is
tested through the CLI: tests/unit/cli/test_guide_audio.py)."""

from __future__ import annotations

import numpy as np

from backbuddy.audio.config import load
from backbuddy.audio.heard import Heard, PopHeard, SpeechSoFar, Utterance, VoiceOnset
from backbuddy.audio.samples import RATE
from backbuddy.domain import events as ev
from backbuddy.services.listen import Listener, Recognition, to_events
from backbuddy.services.listen_run import LiveListening

CONFIG = load()


class Words:
    """A recogniser that says what it is told: `early` for early looks, `transcribe` at ends."""

    def __init__(self, early: str, transcribe: str) -> None:
        self.said = {"early": early, "transcribe": transcribe}
        self.calls: list[str] = []

    def look_early(self, samples: np.ndarray) -> str:
        self.calls.append("early")
        return self.said["early"]

    def transcribe(self, samples: np.ndarray) -> str:
        self.calls.append("transcribe")
        return self.said["transcribe"]


class OnlyTranscribe:
    def transcribe(self, samples: np.ndarray) -> str:
        return "stop"


SO_FAR, END = SpeechSoFar(1.4, 1.0, 1.4), Utterance(1.6, 1.0, 1.45)
SAMPLES = np.zeros(RATE // 2, dtype=np.float32)


def test_a_stop_in_an_early_look_is_heard_at_once_and_the_end_adds_nothing():
    words = Words(early="stop", transcribe="stop")
    recognition = Recognition(words, CONFIG)
    assert recognition.hear(SO_FAR, SAMPLES) == Heard(1.4, "stop", "stop", 1.0, 1.4)
    assert recognition.hear(END, SAMPLES) is None
    assert words.calls == ["early"]


def test_an_early_look_without_a_stop_decides_nothing_the_end_is_heard_as_before():
    words = Words(early="top", transcribe="stop please")
    recognition = Recognition(words, CONFIG)
    assert recognition.hear(SO_FAR, SAMPLES) is None
    assert recognition.hear(END, SAMPLES) == Heard(1.6, "stop please", "stop", 1.0, 1.45)
    assert words.calls == ["early", "transcribe"]


def test_okay_words_in_an_early_look_count_for_nothing():
    words = Words(early="okay go on", transcribe="okay go on")
    recognition = Recognition(words, CONFIG)
    assert recognition.hear(SO_FAR, SAMPLES) is None
    assert recognition.hear(END, SAMPLES) == Heard(1.6, "okay go on", "okay", 1.0, 1.45)


def test_a_recogniser_that_cannot_look_early_only_decides_at_the_end():
    recognition = Recognition(OnlyTranscribe(), CONFIG)
    assert recognition.hear(SO_FAR, SAMPLES) is None
    assert recognition.hear(END, SAMPLES) is not None


class Vad:
    """Speech in every window from the 10th on."""

    def __init__(self) -> None:
        self.windows = 0

    def push(self, chunk: np.ndarray) -> list[float]:
        self.windows += 1
        return [0.9 if self.windows > 10 else 0.0]


def test_the_live_listener_wakes_its_reader_the_moment_it_hears_a_voice():
    chunks = ((i * 0.032, np.zeros(512, dtype=np.float32)) for i in range(20))
    live = LiveListening(chunks, Listener(Vad(), CONFIG), Words("", "")).start()
    try:
        assert live.wait(10.0)  # the onset, in window 11 (no tick needed)
        assert [type(e) for e in live.poll()] == [VoiceOnset]
        assert not live.wait(0.0)  # drained: nothing else was heard
    finally:
        live.close()


def test_a_voice_onset_is_a_voice_event_in_every_phase():
    assert to_events(VoiceOnset(2.0, 1.9), "breathe_in", 2.0) == [ev.Voice(2.0)]
    assert to_events(VoiceOnset(2.0, 1.9), None, 2.0) == [ev.Voice(2.0)]


def test_stop_words_send_stop_from_the_voice_first_then_the_words_for_the_record():
    heard = Heard(3.0, "Stop, please.", "stop", 2.5, 2.9)
    assert to_events(heard, "rest", 3.0) == [
        ev.Stop(3.0, source="voice"),
        ev.Voice(3.0, words="Stop, please."),
    ]


def test_okay_is_only_recorded_it_never_resumes():
    out = to_events(Heard(3.0, "okay", "okay", 2.5, 2.9), "mobilise", 3.0)
    assert out == [ev.Voice(3.0, words="okay")]
    assert not any(isinstance(e, ev.Resume) for e in out)


def test_a_click_is_a_pop_only_during_movement_and_hold():
    click = PopHeard(5.2, 5.07, 0.8, 20.0)
    assert to_events(click, "mobilise", 5.2) == [ev.Pop(5.2, source="audio", confidence=0.8)]
    assert to_events(click, "hold", 5.2) == [ev.Pop(5.2, source="audio", confidence=0.8)]
    for phase in ("breathe_in", "release", "rest", None):
        assert to_events(click, phase, 5.2) == []


def test_a_stop_word_stops_from_the_voice_in_every_phase():
    for phase in ("breathe_in", "mobilise", "rest", None):
        out = to_events(Heard(3.0, "ouch", "stop", 2.5, 2.9), phase, 3.0)
        assert out[0] == ev.Stop(3.0, source="voice")


def test_a_click_during_movement_and_hold_is_a_pop():
    for phase in ("mobilise", "hold"):
        assert [e.kind for e in to_events(PopHeard(5.2, 5.07, 0.8, 20.0), phase, 5.2)] == ["pop"]


def test_a_click_outside_movement_and_hold_sends_nothing():
    for phase in ("breathe_in", "release", "rest", None):
        assert to_events(PopHeard(5.2, 5.07, 0.8, 20.0), phase, 5.2) == []
