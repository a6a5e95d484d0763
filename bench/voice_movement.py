"""A voice heard in the movement while we speak (voice16): does it pause at once, halt, or
do nothing, and how late; and does our own echo ever pause.

In audio time with the real models (Silero VAD, Whisper tiny.en, the cues rendered by Piper
joe), deterministic (seeded): the page's microphone as the server hears it
(`web.audio_socket`'s rules: chunks flagged while the page speaks, `audio.own_voice`).

* The page speaks its opening set-up lines (where the echo level is learned), then one
  attempt of the Seated Hug: breathe_in 4 s, mobilise 4 s, hold 3 s, release 4 s, each
  phase's sentences queued at its start and played back to back, as the page does.
* The microphone hears breathing (20 dB under the voice), our own speech as echo (delayed
  40 ms; at 0, -10, -20, -30 dB against the person's voice, as a browser's echo
  cancellation leaves it, or none), and a person saying "stop", "ow, that hurts" or "hold
  on" (the wait) at a random time in mobilise, hold or release.
* `rule`: `before` = a voice onset during our speech is our echo (today's); `double_talk` =
  `OwnVoice.voices` (louder than our echo's learned level is a person).
* pause: a voice onset taken as the person's while she speaks (latency from her first
  speech window); halt: a stop recognised (latency from the end of her speech + Whisper's
  CPU); nothing. False pauses: takes with no person at all, per cue spoken in the movement.

`python -m bench voice_movement` (≈ 2-3 min of CPU).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from audio_clips import clip  # noqa: E402

from backbuddy.adapters.audio_files import read_audio  # noqa: E402
from backbuddy.adapters.speech import PiperVoice, SpeechCache  # noqa: E402
from backbuddy.adapters.vad import SileroVad  # noqa: E402
from backbuddy.adapters.words import WhisperWords  # noqa: E402
from backbuddy.audio.config import load as load_config  # noqa: E402
from backbuddy.audio.heard import Utterance, VoiceOnset  # noqa: E402
from backbuddy.audio.own_voice import OwnVoice  # noqa: E402
from backbuddy.audio.samples import RATE, level_dbfs  # noqa: E402
from backbuddy.audio.words import meaning  # noqa: E402
from backbuddy.domain import wording  # noqa: E402
from backbuddy.domain.techniques import get as get_technique  # noqa: E402
from backbuddy.services.cue_speech import sentences  # noqa: E402
from backbuddy.services.listen import Listener  # noqa: E402
from bench import Result, emit  # noqa: E402

CHUNK = 512
VOICE_DBFS = -26.0  # the person's speech in the microphone (active level)
NOISE_UNDER_DB = 20.0  # breathing under her voice
ECHO_DELAY_S = 0.04
ECHOES: tuple[float | None, ...] = (None, -30.0, -20.0, -10.0, 0.0)  # dB against her voice
PEOPLE = (
    "speech/joe_stop.wav",
    "speech/espeak_stop.wav",
    "speech/joe_ow__that_hurts.wav",
    "speech/espeak_ow__that_hurts.wav",
    "speech/joe_hold_on.wav",
    "speech/espeak_hold_on.wav",
    "speech/real_one_moment_please.wav",
)
TRIALS = 3  # random times per clip and echo level
MOVEMENT = ("mobilise", "hold", "release")
#: "Leave silence", measured only: one short line per phase, the pace on screen (not adopted).
SHORT = {
    "breathe_in": ["Breathe in."],
    "mobilise": ["Attempt 1 of 3.", "Breathe out, and lean back."],
    "hold": ["Hold, and keep breathing."],
    "release": ["Release."],
}
#: Our echo in the movement this much louder than where it was learned (the volume turned up).
LOUDER_DB = (3.0, 6.0, 10.0)


def _rendered(cache: SpeechCache, text: str) -> np.ndarray:
    return read_audio(cache.get(text))


def _active_db(x: np.ndarray) -> float:
    """Level of the loudest half of 32 ms windows (a speech clip's active level)."""
    n = x.size // CHUNK
    w = np.sort([level_dbfs(x[i * CHUNK : (i + 1) * CHUNK]) for i in range(n)])
    return float(10 * np.log10(np.mean(10 ** (w[n // 2 :] / 10))))


def timeline(
    cache: SpeechCache, phase_lines: list[tuple[str, float, list[str]]], lead: list[str]
) -> tuple[np.ndarray, list[tuple[float, float]], dict[str, tuple[float, float]], float]:
    """Our speech as played (back to back, each phase's lines queued at its start), the
    spans we spoke, each phase's span, and where the movement's first phase starts."""
    spans: list[tuple[float, float]] = []
    t = 0.0
    pieces: list[tuple[float, np.ndarray]] = []
    for text in lead:
        x = _rendered(cache, text)
        pieces.append((t, x))
        spans.append((t, t + x.size / RATE))
        t += x.size / RATE
    start = t + 1.0
    phases: dict[str, tuple[float, float]] = {}
    at = start
    free = start
    for pid, seconds, lines in phase_lines:
        phases[pid] = (at, at + seconds)
        free = max(free, at)
        for text in lines:
            x = _rendered(cache, text)
            pieces.append((free, x))
            spans.append((free, free + x.size / RATE))
            free += x.size / RATE
        at += seconds
    end = max(at, free) + 1.0
    out = np.zeros(round(end * RATE), dtype=np.float32)
    for t0, x in pieces:
        i = round(t0 * RATE)
        out[i : i + x.size] += x
    return out, spans, phases, start


def coverage(spans: list[tuple[float, float]], phases: dict[str, tuple[float, float]]) -> float:
    """Share of mobilise, hold and release covered by our speech plus its echo tail."""
    tail = load_config().own_voice.echo_tail_s
    total = covered = 0.0
    for pid in MOVEMENT:
        a, b = phases[pid]
        total += b - a
        grid = np.arange(a, b, 0.01)
        covered += 0.01 * sum(any(s <= g <= e + tail for s, e in spans) for g in grid)
    return covered / total


def trial(  # noqa: C901 - one take, both rules, every outcome
    vad: SileroVad,
    whisper: WhisperWords | None,
    mic: np.ndarray,
    spans: list[tuple[float, float]],
    learn_until: float,
    person: tuple[float, float] | None,
    stop_end: float | None,
) -> dict[str, dict[str, float | None]]:
    """One take through both rules at once (the voice activity is the same)."""
    config = load_config()
    vad.reset()
    listener = Listener(vad, config)
    own = {"before": OwnVoice(config.own_voice), "double_talk": OwnVoice(config.own_voice)}
    pauses: dict[str, list[float]] = {k: [] for k in own}
    halt: float | None = None
    cpu = 0.0
    for i in range(0, mic.size, CHUNK):
        chunk = mic[i : i + CHUNK]
        t0, t1 = i / RATE, (i + chunk.size) / RATE
        speaking = any(a <= t0 < b for a, b in spans)
        items = listener.push(chunk)
        level = level_dbfs(chunk)
        for rule, o in own.items():
            if speaking:
                o.mark(t0, t1)
            onsets = [x for x in items if isinstance(x, VoiceOnset)]
            if rule == "before":
                got = [x for x in onsets if not o.echo(x.onset)]
            else:
                got = o.voices(onsets, t0, t1, level, listener.speaking)
            if speaking and t0 < learn_until:
                o.learn(level)  # (as `listen.hear_over_own_voice` does)
            pauses[rule] += [x.t for x in got]
        for item in items:
            if not isinstance(item, Utterance) or person is None or whisper is None or halt:
                continue
            if item.end < person[0] or item.start > person[1]:
                continue  # our own echo only: no stop word in the movement's lines
            c0 = time.process_time()
            text = whisper.transcribe(listener.clip(item))
            cpu += time.process_time() - c0
            if meaning(text, config.words) == "stop" and stop_end is not None:
                halt = item.t - stop_end + (time.process_time() - c0)
    out: dict[str, dict[str, float | None]] = {}
    for rule, ts in pauses.items():
        if person is None:
            out[rule] = {"false": float(len([t for t in ts if t > learn_until]))}
            continue
        mine = [t for t in ts if person[0] - 0.05 <= t <= person[1] + 0.5]
        false = [t for t in ts if t > learn_until and t < person[0] - 0.05]
        out[rule] = {
            "pause": (mine[0] - person[0]) if mine else None,
            "halt": halt,
            "false": float(len(false)),
        }
    return out


def _speech_span(x: np.ndarray) -> tuple[float, float]:
    """Where a clip's speech is (windows within 30 dB of its loudest)."""
    n = x.size // CHUNK
    w = np.array([level_dbfs(x[i * CHUNK : (i + 1) * CHUNK]) for i in range(n)])
    on = np.flatnonzero(w > w.max() - 30)
    return on[0] * CHUNK / RATE, (on[-1] + 1) * CHUNK / RATE


def run() -> list[Result]:  # noqa: C901 - the table, echo level by echo level
    rng = random.Random(16)
    cache = SpeechCache(PiperVoice())
    tech = get_technique("seated_hug_extension")
    say = load_config().say
    lead = sentences(wording.WELCOME) + sentences(say.listening)[:1]
    phase_lines = []
    for p in tech.phases:
        if p.id == "rest":
            continue
        lines = sentences(p.text)
        if p.id == "mobilise":
            lines = ["Attempt 1 of 3.", *lines]
        phase_lines.append((p.id, float(p.seconds), lines))
    ours, spans, phases, start = timeline(cache, phase_lines, lead)
    results = [Result("voice_movement_coverage", coverage(spans, phases), "ratio", "info")]
    emit(*results[-1])
    short = [(pid, sec, SHORT[pid]) for pid, sec, _ in phase_lines]
    _, s_spans, s_phases, _ = timeline(cache, short, lead)
    results.append(
        emit("voice_movement_coverage_short_lines", coverage(s_spans, s_phases), "ratio", "info")
    )
    noise = clip("noise_breathing.wav")
    vad = SileroVad()
    whisper = WhisperWords()
    ours_db = _active_db(ours)
    lo, hi = phases["mobilise"][0], phases["release"][1]
    for echo_db in ECHOES:
        tag = "none" if echo_db is None else f"{echo_db:+.0f}dB"
        echo = np.zeros_like(ours)
        if echo_db is not None:
            d = round(ECHO_DELAY_S * RATE)
            echo[d:] = ours[:-d] * 10 ** ((VOICE_DBFS + echo_db - ours_db) / 20)
        bed = np.resize(noise, ours.size) * 10 ** (
            (VOICE_DBFS - NOISE_UNDER_DB - _active_db(noise)) / 20
        )
        base = (echo + bed).astype(np.float32)
        tally: dict[str, dict[str, list[float]]] = {}
        falses: dict[str, float] = {}
        takes = 0
        for name in PEOPLE:
            x = clip(name)
            x = x * 10 ** ((VOICE_DBFS - _active_db(x)) / 20)
            a, b = _speech_span(x)
            stop = "stop" in name or "ow__" in name
            for _ in range(TRIALS):
                at = rng.uniform(lo, hi - 0.3) - a  # her first speech window in the movement
                mic = base.copy()
                i = round(at * RATE)
                mic[i : i + x.size] += x[: mic.size - i]
                end = min(mic.size, i + x.size + round(2.0 * RATE))
                got = trial(
                    vad,
                    whisper,
                    mic[:end],
                    spans,
                    start,
                    (at + a, at + b),
                    at + b if stop else None,
                )
                takes += 1
                for rule, r in got.items():
                    t = tally.setdefault(
                        rule, {"pause": [], "halt": [], "nothing": [], "false": []}
                    )
                    if r["pause"] is not None:
                        t["pause"].append(float(r["pause"]))
                    elif r["halt"] is not None:
                        t["halt"].append(float(r["halt"]))
                    else:
                        t["nothing"].append(1.0)
                    t["false"].append(float(r["false"] or 0))
        quiet = trial(vad, None, base, spans, start, None, None)
        for up in LOUDER_DB if echo_db is not None else ():
            louder = base + echo * (np.arange(echo.size) >= round(start * RATE)) * (
                10 ** (up / 20) - 1
            )
            got = trial(vad, None, louder.astype(np.float32), spans, start, None, None)
            results.append(
                emit(
                    f"voice_movement_{tag}_louder_{up:.0f}dB_false_pauses_per_attempt",
                    float(got["double_talk"]["false"] or 0),
                    "count",
                    "info",
                )
            )
        for rule in quiet:
            falses[rule] = float(quiet[rule]["false"] or 0)
        for rule, t in tally.items():
            p50 = float(np.median(t["pause"])) * 1000 if t["pause"] else float("nan")
            h50 = float(np.median(t["halt"])) * 1000 if t["halt"] else float("nan")
            for r in (
                Result(
                    f"voice_movement_{tag}_{rule}_paused", len(t["pause"]) / takes, "ratio", "info"
                ),
                Result(f"voice_movement_{tag}_{rule}_pause_p50", p50, "ms", "info"),
                Result(
                    f"voice_movement_{tag}_{rule}_halt_only",
                    len(t["halt"]) / takes,
                    "ratio",
                    "info",
                ),
                Result(f"voice_movement_{tag}_{rule}_halt_p50", h50, "ms", "info"),
                Result(
                    f"voice_movement_{tag}_{rule}_nothing",
                    len(t["nothing"]) / takes,
                    "ratio",
                    "info",
                ),
                Result(
                    f"voice_movement_{tag}_{rule}_false_pauses_per_attempt",
                    falses[rule],
                    "count",
                    "info",
                ),
            ):
                results.append(r)
                emit(*r)
    return results


if __name__ == "__main__":
    run()
