"""A voice heard in the movement while we speak (voice16, voice17): does it pause at once,
halt, or do nothing, and how late; and does our own echo ever pause.

In audio time with the real models (Silero VAD, Whisper tiny.en, the cues rendered by Piper
joe), deterministic (seeded): the page's microphone as the server hears it
(`web.audio_socket`'s rules: chunks flagged while the page speaks, `audio.own_voice`).

* The page speaks its opening set-up lines (where the echo level is learned), the person
  says "stop" once while we are silent (the microphone check: her voice's level), then one
  attempt of the Seated Hug: breathe_in 4 s, mobilise 4 s, hold 3 s, release 4 s.
* The microphone hears breathing (20 dB under the voice), our own speech as echo (delayed
  40 ms; at the levels in ECHOES against the person's voice, as a browser's echo
  cancellation leaves it, or 0 dB: none), and a person saying "stop", "ow, that hurts",
  "hold on" or "one moment please" at a random time in mobilise, hold or release, once, or
  (`repeats`) again and again with 0.3 s between for at least REPEAT_S (someone who is not
  heard says it again).
* `rule`: `before` = voice16 (double talk by level; each phase's sentences played back to
  back); `after` = voice17: where `OwnVoice.loud` holds at the movement's start, the page
  speaks less (`cue_speech.with_gaps`: pieces, a silence after each, stale pieces dropped at
  the next phase) and speech going on past our echo is hers.
* pause: a voice onset taken as the person's (latency from her first speech window);
  halt: a stop recognised (latency from the end of her speech + Whisper's CPU); nothing.
  False pauses: the same attempt with no person at all.

`python -m bench voice_movement` (ECHOES from `VOICE_MOVEMENT_ECHOES`, e.g. "-10,0").
"""

from __future__ import annotations

import os
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
from backbuddy.services.cue_speech import sentences, with_gaps  # noqa: E402
from backbuddy.services.listen import Listener  # noqa: E402
from bench import Result, emit  # noqa: E402

CHUNK = 512
VOICE_DBFS = -26.0  # the person's speech in the microphone (active level)
NOISE_UNDER_DB = 20.0  # breathing under her voice
ECHO_DELAY_S = 0.04
ECHOES = tuple(
    float(x) for x in os.environ.get("VOICE_MOVEMENT_ECHOES", "-30,-20,-10,0").split(",")
)
PEOPLE = (
    "speech/joe_stop.wav",
    "speech/espeak_stop.wav",
    "speech/joe_ow__that_hurts.wav",
    "speech/espeak_ow__that_hurts.wav",
    "speech/joe_hold_on.wav",
    "speech/espeak_hold_on.wav",
    "speech/real_one_moment_please.wav",
)
TRIALS = int(os.environ.get("VOICE_MOVEMENT_TRIALS", "3"))  # random times per clip and level
MOVEMENT = ("mobilise", "hold", "release")
#: `repeats`: she says it again and again, 0.3 s apart, for at least this long (s).
REPEAT_S = 3.0
#: Our echo in the movement this much louder than where it was learned (the volume turned up).
LOUDER_DB = (3.0, 6.0, 10.0)


class Voice16(OwnVoice):
    """voice16's rule (before): nothing after our echo is told apart once the gate is in
    speech on it, and we never speak less."""

    @property
    def loud(self) -> bool:
        return False

    def voices(
        self, onsets: list[VoiceOnset], t0: float, t1: float, level_db: float, speech: bool
    ) -> list[VoiceOnset]:
        theirs = [o for o in onsets if not self.echo(o.onset)]
        if theirs:
            self._told = self._theirs = True
            return theirs
        if not speech and not onsets:
            self._told = self._theirs = False
            return []
        if self._told or not self.echo(t0):
            return []
        ceiling = self.ceiling_db
        if ceiling is None or level_db < ceiling + self.config.margin_db:
            return []
        self._told = True
        return [VoiceOnset(t=t1, onset=t0)]


RULES = {"before": Voice16, "after": OwnVoice}


def _rendered(cache: SpeechCache, text: str) -> np.ndarray:
    return read_audio(cache.get(text))


def _active_db(x: np.ndarray) -> float:
    """Level of the loudest half of 32 ms windows (a speech clip's active level)."""
    n = x.size // CHUNK
    w = np.sort([level_dbfs(x[i * CHUNK : (i + 1) * CHUNK]) for i in range(n)])
    return float(10 * np.log10(np.mean(10 ** (w[n // 2 :] / 10))))


Plan = list[tuple[str, float, list[tuple[str, float]]]]  # phase, seconds, (piece, gap after)


def timeline(
    cache: SpeechCache, phase_lines: Plan, lead: list[str], check: np.ndarray
) -> tuple[
    np.ndarray, np.ndarray, list[tuple[float, float]], dict[str, tuple[float, float]], float
]:
    """Our speech as the page plays it (each phase's pieces queued at its start; pieces with
    a gap after them not yet started when the next phase comes are dropped), her microphone
    check after the opening lines, the spans we spoke, each phase's span, and where the
    movement's first phase starts."""
    spans: list[tuple[float, float]] = []
    t = 0.0
    pieces: list[tuple[float, np.ndarray]] = []
    for text in lead:
        x = _rendered(cache, text)
        pieces.append((t, x))
        spans.append((t, t + x.size / RATE))
        t += x.size / RATE
    check_at = t + 1.0
    start = check_at + check.size / RATE + 1.5
    phases: dict[str, tuple[float, float]] = {}
    at = free = start
    for k, (pid, seconds, lines) in enumerate(phase_lines):
        phases[pid] = (at, at + seconds)
        free = max(free, at)
        last = k == len(phase_lines) - 1
        for text, gap in lines:
            if gap and free >= at + seconds and not last:
                break  # still queued when the next phase's cues come: dropped
            x = _rendered(cache, text)
            pieces.append((free, x))
            spans.append((free, free + x.size / RATE))
            free += x.size / RATE + gap
        at += seconds
    end = max(at, free) + 1.0
    out = np.zeros(round(end * RATE), dtype=np.float32)
    for t0, x in pieces:
        i = round(t0 * RATE)
        out[i : i + x.size] += x
    theirs = np.zeros_like(out)
    i = round(check_at * RATE)
    theirs[i : i + check.size] = check
    return out, theirs, spans, phases, start


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


def trial(  # noqa: C901 - one take, every outcome
    vad: SileroVad,
    whisper: WhisperWords | None,
    rule: type[OwnVoice],
    mic: np.ndarray,
    spans: list[tuple[float, float]],
    start: float,
    person: tuple[float, float] | None,
    stop_end: float | None,
) -> dict[str, float | None]:
    """One take: the pause (from her first speech window), the halt, false pauses, and
    whether our echo was loud when the movement began."""
    config = load_config()
    vad.reset()
    listener = Listener(vad, config)
    own = rule(config.own_voice)
    pauses: list[float] = []
    halt: float | None = None
    loud: bool | None = None
    for i in range(0, mic.size, CHUNK):
        chunk = mic[i : i + CHUNK]
        t0, t1 = i / RATE, (i + chunk.size) / RATE
        if loud is None and t0 >= start:
            loud = own.loud
        speaking = any(a <= t0 < b for a, b in spans)
        items = listener.push(chunk)
        level = level_dbfs(chunk)
        if speaking:
            own.mark(t0, t1)
        onsets = [x for x in items if isinstance(x, VoiceOnset)]
        pauses += [x.t for x in own.voices(onsets, t0, t1, level, listener.speaking)]
        if speaking and t0 < start:
            own.learn(level)  # (as `listen.hear_over_own_voice` does)
        for item in items:
            if not isinstance(item, Utterance) or person is None or whisper is None or halt:
                continue
            if item.end < person[0] or item.start > person[1]:
                continue  # our own echo only: no stop word in the movement's lines
            if any(person[0] - 0.05 <= t <= person[1] + 0.5 for t in pauses):
                continue  # paused already: the words change only pause into halt
            c0 = time.process_time()
            text = whisper.transcribe(listener.clip(item))
            if meaning(text, config.words) == "stop" and stop_end is not None:
                halt = item.t - stop_end + (time.process_time() - c0)
    moving = [t for t in pauses if t > start]
    if person is None:
        return {"false": float(len(moving)), "loud": float(bool(loud))}
    mine = [t for t in moving if person[0] - 0.05 <= t <= person[1] + 0.5]
    return {
        "pause": (mine[0] - person[0]) if mine else None,
        "halt": halt,
        "false": float(len([t for t in moving if t < person[0] - 0.05])),
        "loud": float(bool(loud)),
    }


def _speech_span(x: np.ndarray) -> tuple[float, float]:
    """Where a clip's speech is (windows within 30 dB of its loudest)."""
    n = x.size // CHUNK
    w = np.array([level_dbfs(x[i * CHUNK : (i + 1) * CHUNK]) for i in range(n)])
    on = np.flatnonzero(w > w.max() - 30)
    return on[0] * CHUNK / RATE, (on[-1] + 1) * CHUNK / RATE


def _scaled(name: str) -> np.ndarray:
    x = clip(name)
    return (x * 10 ** ((VOICE_DBFS - _active_db(x)) / 20)).astype(np.float32)


def _mic(ours: np.ndarray, theirs: np.ndarray, echo_db: float, ref_db: float) -> np.ndarray:
    d = round(ECHO_DELAY_S * RATE)
    echo = np.zeros_like(ours)
    echo[d:] = ours[:-d] * 10 ** ((VOICE_DBFS + echo_db - ref_db) / 20)
    noise = clip("noise_breathing.wav")
    bed = np.resize(noise, ours.size) * 10 ** (
        (VOICE_DBFS - NOISE_UNDER_DB - _active_db(noise)) / 20
    )
    return (echo + bed + theirs).astype(np.float32)


def run() -> list[Result]:  # noqa: C901, PLR0915 - the table, echo level by echo level
    cache = SpeechCache(PiperVoice())
    tech = get_technique("seated_hug_extension")
    say = load_config().say
    gap_s = load_config().own_voice.gap_s
    lead = sentences(wording.WELCOME) + sentences(say.listening)[:1]
    plain: Plan = []
    gapped: Plan = []
    for p in tech.phases:
        if p.id == "rest":
            continue
        lines = sentences(p.text)
        if p.id == "mobilise":
            lines = ["Attempt 1 of 3.", *lines]
        plain.append((p.id, float(p.seconds), [(s, 0.0) for s in lines]))
        gapped.append((p.id, float(p.seconds), with_gaps(lines, gap_s)))
    check = _scaled("speech/joe_stop.wav")
    plans = {k: timeline(cache, v, lead, check) for k, v in (("plain", plain), ("gaps", gapped))}
    ref_db = _active_db(plans["plain"][0])  # our speech's active level (the same in both)
    results: list[Result] = []
    for k, (_, _, spans, phases, _) in plans.items():
        results.append(
            emit(f"voice_movement_coverage_{k}", coverage(spans, phases), "ratio", "info")
        )
    vad = SileroVad()
    whisper = WhisperWords()
    for echo_db in ECHOES:
        tag = f"{echo_db:+.0f}dB"
        for rule_name, rule in RULES.items():
            # Does the rule speak less here? (our echo loud once her check was heard)
            ours, theirs, spans, phases, start = plans["plain"]
            base = _mic(ours, theirs, echo_db, ref_db)
            quiet = trial(vad, None, rule, base, spans, start, None, None)
            if quiet["loud"]:
                ours, theirs, spans, phases, start = plans["gaps"]
                base = _mic(ours, theirs, echo_db, ref_db)
                quiet = trial(vad, None, rule, base, spans, start, None, None)
            name = f"voice_movement_{tag}_{rule_name}"
            results.append(emit(f"{name}_speaks_less", float(quiet["loud"] or 0), "bool", "info"))
            results.append(
                emit(f"{name}_false_pauses", float(quiet["false"] or 0), "count", "info")
            )
            lo, hi = phases["mobilise"][0], phases["release"][1]
            for times in (1, 2):
                sub = "once" if times == 1 else "repeats"
                rng = random.Random(f"{echo_db} {times}")  # the same takes for every rule
                paused: list[float] = []
                halted: list[float] = []
                nothing = takes = 0
                for person in PEOPLE:
                    x = _scaled(person)
                    a, b = _speech_span(x)
                    if times == 2:
                        word = x[round(a * RATE) : round(b * RATE)]
                        again = [x[: round(b * RATE)]]
                        while sum(w.size for w in again) < (a + REPEAT_S) * RATE:
                            again += [np.zeros(round(0.3 * RATE), np.float32), word]
                        x = np.concatenate(again).astype(np.float32)
                        b = x.size / RATE
                    stop = "stop" in person or "ow__" in person
                    for _ in range(TRIALS):
                        at = rng.uniform(lo, hi - 0.3) - a  # her first speech window
                        mic = base.copy()
                        i = round(at * RATE)
                        mic[i : i + x.size] += x[: mic.size - i]
                        end = min(mic.size, i + x.size + round(2.0 * RATE))
                        got = trial(
                            vad, whisper, rule, mic[:end], spans, start,
                            (at + a, at + b), at + b if stop else None,
                        )  # fmt: skip
                        takes += 1
                        if got["pause"] is not None:
                            paused.append(float(got["pause"]))
                        elif got["halt"] is not None:
                            halted.append(float(got["halt"]))
                        else:
                            nothing += 1
                p = np.array(paused) * 1000
                p50 = float(np.median(p)) if p.size else float("nan")
                worst = float(p.max()) if p.size else float("nan")
                for r in (
                    Result(f"{name}_{sub}_paused", len(paused) / takes, "ratio", "info"),
                    Result(f"{name}_{sub}_pause_p50", p50, "ms", "info"),
                    Result(f"{name}_{sub}_pause_max", worst, "ms", "info"),
                    Result(f"{name}_{sub}_halt_only", len(halted) / takes, "ratio", "info"),
                    Result(f"{name}_{sub}_nothing", nothing / takes, "ratio", "info"),
                ):  # fmt: skip
                    results.append(r)
                    emit(*r)
            if rule_name == "after":
                ours_l, theirs_l, spans_l, _, start_l = plans["gaps" if quiet["loud"] else "plain"]
                for up in LOUDER_DB:
                    moving = np.arange(ours_l.size) >= round(start_l * RATE)
                    louder = _mic(
                        ours_l * np.where(moving, 10 ** (up / 20), 1.0), theirs_l, echo_db, ref_db
                    )
                    got = trial(vad, None, rule, louder, spans_l, start_l, None, None)
                    false = float(got["false"] or 0)
                    results.append(emit(f"{name}_louder_{up:.0f}dB_false", false, "count", "info"))
    return results


if __name__ == "__main__":
    run()
