"""`backbuddy guide --events E.jsonl --audio A.wav`: a recording heard as if live, on the
simulated clock (audio time 0 = event time 0), through the real CLI, models and store.

With begin at 0 and two `ready`s at 1 and 2 s, the attempt starts at 2 s; where its
movement phase (`mobilise`) starts is read from the technique, and the words are placed
one second into it (the clips keep 0.3 s before each word).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from audio_clips import clip

from backbuddy.adapters import models
from backbuddy.adapters.audio_files import write_wav
from backbuddy.audio.samples import RATE
from backbuddy.domain import techniques as tech

pytestmark = pytest.mark.slow

DATA = Path(__file__).parents[2] / "data"
CLEAR = DATA / "screening" / "clear.yaml"
EVENTS = [{"t": 0, "event": "begin"}, {"t": 1, "event": "ready"}, {"t": 2, "event": "ready"}]
_PHASES = tech.get("seated_hug_extension").phases
#: The movement phase starts here (s); the first phase (breathing in) at 2 s.
MOVING = 2.0 + sum(p.seconds for p in _PHASES[: [p.id for p in _PHASES].index("mobilise")])
WORD_AT = MOVING + 1.0  # a clip placed here: its word starts 0.3 s later
assert _PHASES[0].id == "breathe_in"


def recording(tmp_path: Path, seconds: float, *words: tuple[float, str]) -> Path:
    """Breathing noise with clips of the set placed at the given times (s)."""
    x = np.resize(clip("noise_breathing.wav"), round(seconds * RATE)).astype(np.float32)
    for at, name in words:
        w = clip(name)
        a = round(at * RATE)
        x[a : a + w.size] += w[: x.size - a]
    return write_wav(tmp_path / "heard.wav", x)


def guide(backbuddy, tmp_path: Path, audio: Path):  # type: ignore[no-untyped-def]
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(json.dumps(e) for e in EVENTS) + "\n")
    db = tmp_path / "bb.sqlite3"
    result = backbuddy(
        "guide", "seated_hug_extension", "--events", str(events), "--audio", str(audio),
        "--screening-answers", str(CLEAR), "--json", "--db", f"sqlite:///{db}",
    )  # fmt: skip
    cues = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    with sqlite3.connect(db) as con:
        stored = [json.loads(p) for (p,) in con.execute("SELECT payload FROM events ORDER BY seq")]
    return result, cues, stored


def test_stop_in_a_replayed_recording_halts_the_session(backbuddy, tmp_path):
    heard = recording(tmp_path, WORD_AT + 3, (WORD_AT, "speech/joe_stop.wav"))
    result, cues, stored = guide(backbuddy, tmp_path, heard)
    assert result.exit_code == 0, result.output
    halts = [c for c in cues if c["kind"] == "halt"]
    assert [h["reason"] for h in halts] == ["stop:voice"]
    assert WORD_AT + 0.3 < halts[0]["t"] <= WORD_AT + 1.5
    assert ("stop", "voice") in [(e["event"], e.get("source")) for e in stored]


def test_a_voice_pauses_the_movement_at_once_before_the_word_is_known(backbuddy, tmp_path):
    heard = recording(tmp_path, WORD_AT + 3, (WORD_AT, "speech/joe_stop.wav"))
    result, cues, stored = guide(backbuddy, tmp_path, heard)
    assert result.exit_code == 0, result.output
    pause, halt = (c for c in cues if c["kind"] in ("pause", "halt"))
    assert pause["reason"] == "voice"
    assert WORD_AT + 0.3 <= pause["t"] <= WORD_AT + 0.6
    assert halt["t"] > pause["t"]
    words = [(e.get("words") or "").lower().strip(".!") for e in stored if e["event"] == "voice"]
    assert "stop" in words  # what was heard is kept with the session


def test_speech_pauses_from_the_breath_in_where_the_hands_are_on(backbuddy, tmp_path):
    """The assistant holds the receiver from the breath-in on (the technique's `hands_on`): a
    voice there pauses at once, before the movement cue (voice review); "okay" said later is
    recorded and never resumes."""
    heard = recording(
        tmp_path, WORD_AT + 3, (2.5, "speech/real_digits_1.wav"), (WORD_AT, "speech/joe_okay.wav")
    )
    result, cues, stored = guide(backbuddy, tmp_path, heard)
    assert result.exit_code == 0, result.output
    pauses = [c for c in cues if c["kind"] == "pause"]
    assert [p["reason"] for p in pauses] == ["voice"]
    assert 2.8 <= pauses[0]["t"] <= 3.2  # "one", said at 2.8 s in the breath-in
    assert not any(c["kind"] in ("halt", "move") for c in cues)
    voices = [e for e in stored if e["event"] == "voice"]
    assert any((e.get("words") or "").lower().startswith("ok") for e in voices)  # okay: recorded
    assert not any(e["event"] == "resume" for e in stored)  # …and it never resumes by itself


def test_stop_in_the_breath_in_pauses_at_the_voice_then_halts(backbuddy, tmp_path):
    heard = recording(tmp_path, 6.0, (2.5, "speech/espeak_stop.wav"))  # while breathing in
    result, cues, _ = guide(backbuddy, tmp_path, heard)
    assert result.exit_code == 0, result.output
    stops = [c["reason"] for c in cues if c["kind"] in ("pause", "halt", "move")]
    assert stops == ["voice", "stop:voice"]


def test_a_missing_model_gives_one_line_and_the_session_still_runs(
    backbuddy, tmp_path, monkeypatch
):
    """The pinned files are looked for where pip installed them; here that place is empty."""
    empty = tmp_path / "site-packages"
    empty.mkdir()
    monkeypatch.setattr(models.sysconfig, "get_paths", lambda: {"purelib": str(empty)})
    models.verified.cache_clear()
    try:
        heard = recording(tmp_path, WORD_AT + 3, (WORD_AT, "speech/joe_stop.wav"))
        result, cues, _ = guide(backbuddy, tmp_path, heard)
    finally:
        models.verified.cache_clear()
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if "Not listening" in line]
    assert len(notes) == 1
    assert "silero_vad_v6.onnx is missing" in notes[0]
    assert "move" in [c["kind"] for c in cues]  # the session ran on keys and time
    assert not any(c["kind"] == "halt" for c in cues)


def test_mic_with_an_events_file_is_refused_with_what_to_use_instead(backbuddy, tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps(EVENTS[0]) + "\n")
    result = backbuddy("guide", "seated_hug_extension", "--events", str(events), "--mic")
    assert result.exit_code == 2
    assert "--audio FILE.wav" in result.output
