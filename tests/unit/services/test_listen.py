"""From what was heard to engine events (the merge into a session on the simulated clock is
tested through the CLI: tests/unit/cli/test_guide_audio.py)."""

from __future__ import annotations

from backbuddy.audio.heard import Heard, PopHeard, VoiceOnset
from backbuddy.domain import events as ev
from backbuddy.services.listen import to_events


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
