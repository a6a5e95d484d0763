"""Voice adapters with the real things: pinned model files, espeak-ng, a player process,
PortAudio, WAV and video sound tracks."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from backbuddy.adapters import models
from backbuddy.adapters.audio_files import read_audio, write_wav
from backbuddy.adapters.microphone import Microphone, Replay
from backbuddy.adapters.speech import EspeakVoice, Player, SpeechCache
from backbuddy.audio.config import load
from backbuddy.audio.errors import AudioError, ListeningUnavailable, ModelMissing
from backbuddy.audio.samples import RATE

DATA = Path(__file__).parents[2] / "data"


@pytest.mark.parametrize("name", ["vad", "words", "voice"])
def test_each_pinned_model_is_installed_and_is_the_pinned_file(name):
    path = models.verified(name)
    assert path.is_file()
    assert models.sha256(path) == load().models[name].sha256


def test_a_model_of_another_version_is_refused_naming_the_wheel_to_install():
    pin = load().models["vad"].model_copy(update={"version": "0.0.1"})
    with pytest.raises(ModelMissing, match=r"ships in faster-whisper==0\.0\.1.*run `make`"):
        models.locate(pin)


def test_espeak_renders_once_then_the_cache_serves_the_file(tmp_path):
    cache = SpeechCache(EspeakVoice(), tmp_path)
    first = cache.get("Breathe in slowly.")
    stamp = first.stat().st_mtime_ns
    assert read_audio(first).size > RATE // 4  # some speech
    again = cache.get("Breathe in slowly.")
    assert again == first
    assert again.stat().st_mtime_ns == stamp
    assert cache.path("Breathe out.") != first


def test_cancel_silences_the_sentence_being_played_at_once(tmp_path):
    """The 'player' here is a real process that would play for a minute."""
    cache = SpeechCache(EspeakVoice(), tmp_path)
    player = Player([sys.executable, "-c", "import time; time.sleep(60)"], cache)
    player.say("Hold the position and keep breathing gently.")
    for _ in range(200):
        if player._current is not None:
            break
        time.sleep(0.05)
    playing = player._current
    assert playing is not None
    assert playing.poll() is None
    player.say("This sentence is queued and must never play.")
    player.cancel()
    assert playing.wait(timeout=10) != 0  # killed, not finished
    assert player._queue.empty()
    player.close()


def test_a_halt_in_the_silence_after_a_piece_is_said_at_once_and_stale_pieces_are_dropped(tmp_path):
    """Speaking less (voice17): a piece is followed by a silence (here a minute long); a
    cancel ends it, so "Stop." plays next; pieces still queued when new cues come are not said."""
    cache = SpeechCache(EspeakVoice(), tmp_path)
    player = Player([sys.executable, "-c", "pass"], cache)
    player.say("Hold the position", gap_s=60.0)
    for _ in range(400):
        if player._current is not None and player._current.poll() is not None:
            break
        time.sleep(0.05)
    player.say("and keep breathing gently.", gap_s=60.0)
    player.say("Rest and breathe normally.")
    player.drop_pieces()
    assert [item[0] for item in list(player._queue.queue) if item] == ["Rest and breathe normally."]
    player.cancel()
    player.say("Stop.")
    stop = str(cache.path("Stop."))
    for _ in range(400):  # well under the minute of silence
        if player._current is not None and player._current.args[-1] == stop:
            break
        time.sleep(0.05)
    assert player._current.args[-1] == stop
    player.close()


def test_a_microphone_that_cannot_open_says_so_in_one_line():
    with pytest.raises(ListeningUnavailable, match="microphone") as err, Microphone(device=9999):
        pass
    assert "\n" not in str(err.value)


def test_a_replayed_recording_comes_in_timed_chunks(tmp_path):
    wav = write_wav(tmp_path / "a.wav", np.zeros(RATE, dtype=np.float32))
    with Replay(wav, speed=1000.0) as replay:
        chunks = list(replay)
    assert chunks[0][0] == 0.0
    assert chunks[1][0] == pytest.approx(0.032)
    assert sum(c.size for _, c in chunks) == RATE


def test_a_video_sound_track_is_read_and_a_silent_video_says_it_has_none(tmp_path):
    clip = tmp_path / "with_sound.mp4"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(DATA / "sports2d_demo.mp4"),
         "-i", str(DATA / "audio" / "pops_1.wav"), "-map", "0:v", "-map", "1:a",
         "-c:v", "copy", "-c:a", "aac", "-shortest", str(clip)],
        check=True,
    )  # fmt: skip
    samples = read_audio(clip)
    assert 7.0 < samples.size / RATE < 8.5
    with pytest.raises(AudioError, match="has no audio track"):
        read_audio(DATA / "sports2d_demo.mp4")
    with pytest.raises(AudioError, match="no such audio file"):
        read_audio(tmp_path / "missing.wav")


def test_the_probe_plays_a_real_wav_of_50_ms_of_silence(tmp_path):
    from backbuddy.adapters.audio_out import _silence_wav

    samples = read_audio(_silence_wav(tmp_path / "s.wav"))
    assert samples.size == 800
    assert not samples.any()
