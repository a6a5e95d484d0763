"""A person's voice over our own spoken cue, with the real models (Silero VAD; Whisper for
the terminal), on the clip set: our cue voice is Piper joe, so the joe clips stand for our
own speech as the microphone hears it after echo cancellation (20 dB under her voice).

Before (voice16): every voice onset while we spoke was taken for our own echo, and our cues
cover 100 % of the movement, so a "wait" said there paused nothing; and the terminal guide
did not mark its own speech at all, so its own "Say stop out loud…" through the speakers was
heard as a stop.
"""

from __future__ import annotations

import numpy as np
import pytest
from audio_clips import clip
from heard_words import shared_words

from backbuddy.adapters.vad import SileroVad
from backbuddy.audio.config import load as load_config
from backbuddy.audio.heard import Heard, VoiceOnset
from backbuddy.audio.own_voice import OwnVoice
from backbuddy.audio.samples import RATE
from backbuddy.services.listen import Listener, hear_over_own_voice
from backbuddy.services.listen_run import LiveListening

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("whisper")]

CONFIG = load_config()
CHUNK = 512
OURS_SETUP = ("speech/joe_one__two__three__four.wav", "speech/joe_that_feels_good.wav")
OURS_MOVING = ("speech/joe_breathe_in.wav", "speech/joe_i_m_fine.wav")
ECHO_DB = -20.0  # our speech in the microphone, against her voice


def _gain(db: float) -> float:
    return float(10 ** (db / 20))


def take(person: str | None) -> tuple[np.ndarray, float, float, float]:
    """Set-up: our lines (learned); then the movement: our next lines, with `person` starting
    0.6 s into them. Breathing under it all. Returns the audio, where the movement starts, and
    where her clip's speech starts and ends (the clips keep 0.3 s before the word)."""
    setup = np.concatenate([clip(n) for n in OURS_SETUP]) * _gain(ECHO_DB)
    moving = np.concatenate([clip(n) for n in OURS_MOVING]) * _gain(ECHO_DB)
    x = np.concatenate([setup, np.zeros(round(0.5 * RATE)), moving, np.zeros(RATE)])
    start = (setup.size + round(0.5 * RATE)) / RATE
    at = start + 0.6
    her = clip(person) if person else np.zeros(0)
    i = round(at * RATE)
    x[i : i + her.size] += her
    bed = clip("noise_breathing.wav")
    x += np.resize(bed, x.size) * _gain(-26.0 - 20 * np.log10(np.sqrt(np.mean(bed**2))) - 20.0)
    ours_end = start + moving.size / RATE
    return x.astype(np.float32), start, at + 0.3, ours_end


def heard_onsets(x: np.ndarray, movement: float, ours_end: float) -> list[VoiceOnset]:
    """Voice onsets passed on in the movement, the page's flags as it would set them."""
    listener = Listener(SileroVad(), CONFIG)
    own = OwnVoice(CONFIG.own_voice)
    out = []
    setup_end = movement - 0.5
    for i in range(0, x.size, CHUNK):
        t0 = i / RATE
        speaking = t0 < setup_end or movement <= t0 < ours_end
        for item, _echo in hear_over_own_voice(
            listener, own, x[i : i + CHUNK], speaking=speaking, learn=t0 < setup_end, erase=False
        ):
            if isinstance(item, VoiceOnset) and item.t >= movement:
                out.append(item)
    return out


@pytest.mark.parametrize(
    "person", ["speech/espeak_hold_on.wav", "speech/real_one_moment_please.wav"]
)
def test_a_voice_over_our_cue_in_the_movement_pauses_at_once(person: str) -> None:
    x, movement, her_start, ours_end = take(person)
    onsets = heard_onsets(x, movement, ours_end)
    assert onsets, "her voice over our own cue was taken for our echo"
    assert her_start - 0.05 <= onsets[0].onset <= her_start + 0.3


def test_our_own_echo_alone_never_passes_for_a_person() -> None:
    x, movement, _, ours_end = take(None)
    assert heard_onsets(x, movement, ours_end) == []


def _terminal(saying: str | None) -> list[object]:
    """The terminal guide's live listening over a recording of its own "stop" (in set-up)."""
    x = np.concatenate([np.zeros(round(0.3 * RATE)), clip("speech/joe_stop.wav"), np.zeros(RATE)])
    chunks = ((i / RATE, x[i : i + CHUNK].astype(np.float32)) for i in range(0, x.size, CHUNK))
    live = LiveListening(chunks, Listener(SileroVad(), CONFIG), shared_words())
    live.saying = lambda: saying
    live.start().join(60)
    heard = live.poll()
    live.close()
    return heard


def test_the_terminal_guide_does_not_halt_on_its_own_spoken_stop() -> None:
    heard = _terminal("Say stop out loud, press STOP or the space bar at any time.")
    assert not [h for h in heard if isinstance(h, Heard) and h.meaning == "stop"], heard
    assert not [h for h in heard if isinstance(h, VoiceOnset)]


def test_the_terminal_guide_hears_the_same_stop_when_it_is_not_speaking() -> None:
    heard = _terminal(None)
    assert [h.meaning for h in heard if isinstance(h, Heard)] == ["stop"]


def loud_take(person: str | None) -> tuple[np.ndarray, float, list[tuple[float, float]]]:
    """No echo cancellation (voice17): our echo as loud as her voice. Set-up: our lines
    (learned), then her microphone check while we are silent; the movement: our lines in
    pieces with a silence of `gap_s` after each (speaking less), and `person` beginning over
    the first piece, 0.5 s before it ends. Returns the audio, the movement's start, and where
    we spoke."""
    gap = CONFIG.own_voice.gap_s
    setup = np.concatenate([clip(n) for n in OURS_SETUP])
    check = clip("speech/espeak_stop.wav")
    parts = [setup, np.zeros(round(0.5 * RATE)), check, np.zeros(round(0.5 * RATE))]
    spans = [(0.0, setup.size / RATE)]
    t = sum(p.size for p in parts) / RATE
    start = t
    for name in OURS_MOVING:
        ours = clip(name)
        parts += [ours, np.zeros(round(gap * RATE))]
        spans.append((t, t + ours.size / RATE))
        t += ours.size / RATE + gap
    x = np.concatenate([*parts, np.zeros(RATE)])
    if person:
        her = clip(person)
        i = round((spans[1][1] - 0.5 - 0.3) * RATE)  # (the clips keep 0.3 s before the word)
        x[i : i + her.size] += her
    bed = clip("noise_breathing.wav")
    x += np.resize(bed, x.size) * _gain(-26.0 - 20 * np.log10(np.sqrt(np.mean(bed**2))) - 20.0)
    return x.astype(np.float32), start, spans


def loud_onsets(x: np.ndarray, start: float, spans: list[tuple[float, float]]) -> list[float]:
    listener = Listener(SileroVad(), CONFIG)
    own = OwnVoice(CONFIG.own_voice)
    out = []
    for i in range(0, x.size, CHUNK):
        t0 = i / RATE
        speaking = any(a <= t0 < b for a, b in spans)
        for item, _echo in hear_over_own_voice(
            listener, own, x[i : i + CHUNK], speaking=speaking, learn=t0 < start, erase=False
        ):
            if isinstance(item, VoiceOnset) and item.t >= start:
                out.append(item.t)
        if i + CHUNK >= round(start * RATE) > i:
            assert own.loud, "our echo as loud as her check was not found loud"
    return out


def test_with_no_echo_cancelling_a_voice_begun_over_our_piece_pauses_in_the_silence_after_it() -> (
    None
):
    x, start, spans = loud_take("speech/real_one_moment_please.wav")
    onsets = loud_onsets(x, start, spans)
    piece_end = spans[1][1]
    assert onsets, "her voice going on into our silence paused nothing"
    assert piece_end <= onsets[0] <= piece_end + CONFIG.own_voice.echo_tail_s + 0.2


def test_with_no_echo_cancelling_our_pieces_and_silences_alone_pause_nothing() -> None:
    x, start, spans = loud_take(None)
    assert loud_onsets(x, start, spans) == []
