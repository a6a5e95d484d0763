"""Listening on the labelled clip set (tests/data/audio) with the real models.

Floors were measured when tuning (2026-11-26, data/audio.yaml as committed) and are
written here; a change that hears worse fails. Figures on the full grid (every clip
at every noise level) come from `make bench`.
"""

from __future__ import annotations

import numpy as np
import pytest
from audio_clips import NOISE_LEVELS, POP_FILES, clip, score_pops, speech, word_in_noise
from heard_words import shared_words

from backbuddy.adapters.vad import SileroVad
from backbuddy.adapters.words import WhisperWords
from backbuddy.audio.config import load as load_config
from backbuddy.audio.heard import Heard, PopHeard, SpeechSoFar, Utterance, VoiceOnset
from backbuddy.audio.words import meaning
from backbuddy.services.listen import Listener, chunks_of, hear_all

# One worker for the module: its tests share one Whisper and what it heard (heard_words).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("whisper")]


@pytest.fixture(scope="module")
def words() -> WhisperWords:
    return shared_words()


def onsets(x: np.ndarray) -> list[VoiceOnset]:
    return [
        e for e in hear_all(Listener(SileroVad()), None, chunks_of(x)) if isinstance(e, VoiceOnset)
    ]


def first_onset(x: np.ndarray) -> VoiceOnset | None:
    """The first voice onset in `x`, as `onsets(x)[0]` (the same listener, the same chunks),
    without hearing the rest of the clip: what follows an onset cannot change it."""
    listener = Listener(SileroVad())
    for chunk in chunks_of(x):
        for item in listener.push(chunk):  # in time order, as `hear_all` gives them
            if isinstance(item, VoiceOnset):
                return item
    return None


def test_every_word_is_heard_starting_within_300_ms_of_audio_at_every_noise_level():
    """Speak-to-pause: the onset is decided within 0.3 s of the speech starting (audio time;
    measured: median 0.064 s, max 0.16 s over 64 clips × 4 noise levels). Only the first
    onset is judged, so each clip is heard up to it (256 clips: about half the audio)."""
    late = []
    for label in speech():
        for snr, bed in NOISE_LEVELS:
            x, start = word_in_noise(label, snr, bed)
            found = first_onset(x)
            if found is None or not 0 <= found.t - start <= 0.3:
                late.append((label.file, snr, None if found is None else round(found.t - start, 3)))
    assert late == []


@pytest.mark.parametrize("bed", ["noise_breathing.wav", "noise_room.wav"])
@pytest.mark.parametrize("gain", [1.0, 30.0])
def test_breathing_and_room_noise_alone_never_count_as_a_voice(bed, gain):
    assert onsets(clip(bed) * gain) == []


def test_stop_words_are_heard_and_look_alikes_rarely_stop_at_10_db_room_noise(words):
    """Measured at 10 dB (room noise): stop recall 18/20 (joe 10/10, espeak-ng 8/10), false
    stops 6/32 (look-alikes "top", "shop", "stomp", "stock" heard as "stop"). Floors: recall
    ≥ 0.85, false stops ≤ 0.25."""
    stops = hits = others = false = 0
    for label in [*speech("joe"), *speech("espeak")]:
        x, _ = word_in_noise(label, 10.0, "noise_room.wav")
        heard = [
            e for e in hear_all(Listener(SileroVad()), words, chunks_of(x)) if isinstance(e, Heard)
        ]
        stopped = any(h.meaning == "stop" for h in heard)
        if label.expect == "stop":
            stops, hits = stops + 1, hits + stopped
        else:
            others, false = others + 1, false + stopped
    assert hits / stops >= 0.85, f"stop recall {hits}/{stops}"
    assert false / others <= 0.25, f"false stops {false}/{others}"


def test_real_human_speech_without_stop_words_does_not_stop(words):
    """The only real voice in a registry package (Allison Smith, asterisk-core-sounds-en)."""
    false = []
    for label in speech("real"):
        x, _ = word_in_noise(label, None, "")
        heard = [
            e for e in hear_all(Listener(SileroVad()), words, chunks_of(x)) if isinstance(e, Heard)
        ]
        if any(h.meaning == "stop" for h in heard):
            false.append((label.text, [h.text for h in heard]))
    assert false == []


def test_pop_detector_precision_and_recall_on_the_labelled_clicks():
    """Measured when tuning: precision 1.00 (11 of 11 detections), recall 0.65 (11 of 17
    clicks away from speech; the misses are the faintest, 12 dB peak, and one 140 ms after a
    word), recall 0.92 (11 of 12) for clicks of 18 dB peak and louder."""
    found = {
        name: [
            e.at
            for e in hear_all(Listener(SileroVad()), None, chunks_of(clip(name)))
            if isinstance(e, PopHeard)
        ]
        for name in POP_FILES
    }
    score = score_pops(found)
    assert score["precision"] >= 0.95, score
    assert score["recall"] >= 0.6, score
    assert score["recall_loud"] >= 0.9, score


def _utterances(x: np.ndarray) -> list[np.ndarray]:
    listener = Listener(SileroVad())
    out = []
    for chunk in chunks_of(x):
        for item in listener.push(chunk):
            if isinstance(item, Utterance) and item.end - item.start >= 0.1:
                out.append(listener.clip(item))
    return out


def _early_looks(x: np.ndarray) -> list[np.ndarray]:
    listener = Listener(SileroVad(), early=True)
    out = []
    for chunk in chunks_of(x):
        out += [listener.clip(e) for e in listener.push(chunk) if isinstance(e, SpeechSoFar)]
    return out


def test_the_quick_glance_stops_only_where_the_full_window_stops_and_loses_no_stop(words):
    """The glance (Whisper over 10 s, not 30 s) decides a stop at once; anything else is
    heard again over 30 s. Clip by clip at 10 dB room noise: what `transcribe` takes as stop
    is exactly what the full window alone takes (no stop lost, no look-alike added), and the
    glance alone already hears most stops (measured 2026-11-27: 17 of 20
    stop clips; floor 0.85; the other 3 halt after the full window, as before). The terminal
    guide's early look (the glance on the speech so far, before its end is decided, counted
    when Whisper is sure of it) stops only clips the full window stops too: it adds no stop,
    it only comes sooner (measured 2026-11-27 over all 256 clip × noise takes: 68 of 80 stop
    takes stopped by the early look, no stop the full window does not take)."""
    config = load_config().words
    changed, glance_hits, stop_clips = [], 0, 0
    for label in [*speech("joe"), *speech("espeak")]:
        x, _ = word_in_noise(label, 10.0, "noise_room.wav")
        said = _utterances(x)

        def stops(hear, said=said):
            return any(meaning(hear(s), config) == "stop" for s in said)

        full, used = stops(words.full), stops(words.transcribe)
        early = stops(words.look_early, _early_looks(x))
        if full != used or (early and not full):
            changed.append((label.file, label.text, full, used, early))
        if label.expect == "stop":
            stop_clips += 1
            glance_hits += stops(words.glance)
    assert changed == [], "the glance changed what stops"
    assert glance_hits / stop_clips >= 0.85, f"the glance heard {glance_hits}/{stop_clips} stops"
