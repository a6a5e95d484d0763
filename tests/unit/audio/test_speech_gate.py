"""Voice onsets and utterances from per-window speech probabilities (Silero's 32 ms windows)."""

from __future__ import annotations

import pytest

from backbuddy.audio.config import load
from backbuddy.audio.heard import SpeechSoFar, Utterance, VoiceOnset
from backbuddy.audio.speech_gate import WINDOW_S, SpeechGate

VAD = load().vad


def run(probabilities: list[float]) -> list[VoiceOnset | Utterance]:
    gate = SpeechGate(VAD)
    out: list[VoiceOnset | Utterance] = []
    for i, p in enumerate(probabilities):
        out.extend(gate.push(i * WINDOW_S, p))
    return out


def test_the_first_speech_window_is_an_onset_decided_at_its_end():
    out = run([0.0] * 10 + [0.9] * 10)
    assert out == [VoiceOnset(t=pytest.approx(11 * WINDOW_S), onset=pytest.approx(10 * WINDOW_S))]


def test_silence_after_speech_ends_the_utterance_at_the_last_speech_window():
    silence = round(VAD.end_silence_s / WINDOW_S) + 1
    out = run([0.0] * 5 + [0.9] * 10 + [0.0] * silence)
    assert isinstance(out[-1], Utterance)
    assert out[-1].start == pytest.approx(5 * WINDOW_S)
    assert out[-1].end == pytest.approx(15 * WINDOW_S)


def test_a_dip_above_the_keep_probability_does_not_end_speech():
    keep = (VAD.keep_probability + VAD.start_probability) / 2
    out = run([0.9] * 5 + [keep] * 20 + [0.9] * 5)
    assert [type(e) for e in out] == [VoiceOnset]


def test_long_speech_is_cut_into_pieces_so_a_late_stop_is_still_heard():
    windows = round(2.5 * VAD.max_utterance_s / WINDOW_S)
    out = run([0.9] * windows)
    pieces = [e for e in out if isinstance(e, Utterance)]
    assert len(pieces) == 2
    assert all(p.end - p.start <= VAD.max_utterance_s + WINDOW_S for p in pieces)


def test_speech_windows_are_remembered_for_gating_clicks():
    gate = SpeechGate(VAD)
    for i, p in enumerate([0.0] * 10 + [0.9] * 3 + [0.0] * 30):
        gate.push(i * WINDOW_S, p)
    assert gate.near_speech(10 * WINDOW_S, 0.1)
    assert not gate.near_speech(30 * WINDOW_S, 0.1)


def run_early(probabilities: list[float]) -> list[VoiceOnset | Utterance | SpeechSoFar]:
    gate = SpeechGate(VAD, early=True)
    out: list[VoiceOnset | Utterance | SpeechSoFar] = []
    for i, p in enumerate(probabilities):
        out.extend(gate.push(i * WINDOW_S, p))
    return out


def test_an_early_look_comes_once_when_a_word_starts_to_fade_before_its_end_is_decided():
    speech = round(VAD.early_after_s / WINDOW_S) + 2
    silence = round(VAD.end_silence_s / WINDOW_S) + 1
    out = run_early([0.0] * 5 + [0.9] * speech + [0.1] * silence)
    assert [type(e) for e in out] == [VoiceOnset, SpeechSoFar, Utterance]
    look, end = out[1], out[2]
    assert look.start == end.start == pytest.approx(5 * WINDOW_S)
    assert look.t == pytest.approx((6 + speech) * WINDOW_S)  # the first window below the line
    assert look.t < end.t


def test_no_early_look_for_a_short_burst_nor_unless_asked():
    burst = max(round(VAD.early_after_s / WINDOW_S) - 2, 1)
    silence = round(VAD.end_silence_s / WINDOW_S) + 1
    assert SpeechSoFar not in [type(e) for e in run_early([0.9] * burst + [0.0] * silence)]
    long = [0.9] * 20 + [0.0] * silence
    assert SpeechSoFar not in [type(e) for e in run(long)]


def test_early_looks_are_limited_per_utterance_however_often_the_voice_wavers():
    dip = VAD.early_below_probability / 2  # below the line for one window only: speech goes on
    wavering = [0.9] * 12 + [dip, 0.9] * 10 + [0.0] * 10
    looks = [e for e in run_early(wavering) if isinstance(e, SpeechSoFar)]
    assert len(looks) == VAD.early_looks
