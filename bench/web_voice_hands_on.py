"""A spoken "stop" where the assistant's hands are on the receiver but nothing moves yet
(voice review): the set-up step where the assistant takes hold, and the breath-in before the
movement. Before, only the words could stop there (Whisper: the end of speech decided, then
recognised on the server's one words thread); now a voice pauses at once, as in the movement,
and the words still halt.

* wall clock, through the session socket (the real server in a subprocess, one fresh session
  per trial, audio paced like the page's microphone): from the end of the stop word in the
  audio sent to the first `pause` and to the `halt`, p50 / p95 over the 10 joe and
  espeak-ng stop clips over breathing noise, in each of the two steps. The halt is the path
  those steps had before (it is unchanged); the pause is the new one. Negative: the session
  held before the word had ended.
* CPU and audio time, in process (no shared-CPU waiting): the audio time at which each path
  decides, from the end of the word, plus the CPU its model spent deciding it (Silero VAD up to
  the onset; VAD to the utterance's end and Whisper's looks until it heard the stop).
* false pauses where the hands are on: the fast path reads no words, so every clip of speech
  that is not a stop (look-alikes "top", "shop", "stomp", "stock", "okay", "go on", the real
  voice's prompts) pauses there; breathing and room noise alone never do (tests/integration/
  test_listening.py holds both: every word gives an onset, the noise beds never). Rate over the
  non-stop clips at every noise level, and over the noise beds (clean and 30x louder).
"""

from __future__ import annotations

import json
import os
import queue
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT))

from audio_clips import NOISE_LEVELS, clip, speech, word_in_noise  # noqa: E402
from servers import Server, start_server  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from backbuddy.adapters.vad import SileroVad  # noqa: E402
from backbuddy.adapters.words import WhisperWords  # noqa: E402
from backbuddy.audio.config import load as load_config  # noqa: E402
from backbuddy.audio.heard import Utterance, VoiceOnset  # noqa: E402
from backbuddy.audio.samples import RATE  # noqa: E402
from backbuddy.audio.words import meaning  # noqa: E402
from backbuddy.services.listen import Listener, chunks_of  # noqa: E402
from bench import Result, emit  # noqa: E402
from bench.web_voice import LEAD_S, _reader, _stream, _take, _wait  # noqa: E402

TRIALS = 10
STEPS = {"assistant_holds": 1, "breathe_in": 2}  # `ready`s sent before the word


def _event(ws, name: str, ref: str) -> None:  # type: ignore[no-untyped-def]
    ws.send(json.dumps({"v": 1, "type": "event", "event": {"event": name}, "ref": ref}))


def _trial(server: Server, sid: int, word: np.ndarray, readies: int) -> tuple[float, float]:
    """Seconds from the audio's start to the first pause and to the halt (nan: never)."""
    url = f"{server.ws}/ws/session/{sid}"
    with connect(url, additional_headers={"Origin": server.url}, open_timeout=20) as ws:
        inbox: queue.Queue[tuple[float, dict]] = queue.Queue()
        threading.Thread(target=_reader, args=(ws, inbox), daemon=True).start()
        for n in range(readies):
            _event(ws, "ready", f"r{n}")
            _wait(inbox, lambda m, n=n: m.get("ref") == f"r{n}", 10)  # fmt: skip
        want = "breathe_in" if readies == 2 else None
        _wait(inbox, lambda m: m.get("type") == "state" and m.get("phase") == want, 10)
        x = _take(word)
        started = time.perf_counter()
        sender = threading.Thread(target=_stream, args=(ws, x, started), daemon=True)
        sender.start()
        firsts: dict[str, float] = {}
        deadline = x.size / RATE + 8.0
        while "halt" not in firsts and time.perf_counter() - started < deadline:
            at, msg = _wait(inbox, lambda m: m.get("type") == "cues", 1.0)
            for cue in msg.get("cues", []):
                firsts.setdefault(cue["kind"], at - started)
        sender.join()
        return firsts.get("pause", float("nan")), firsts.get("halt", float("nan"))


def _cpu_paths(words: WhisperWords, stops: list) -> tuple[list[float], list[float]]:  # type: ignore[type-arg]
    """Per clip (ms from the word's end): the onset decision in audio time + VAD CPU spent
    until it; the stop decision (utterance end) in audio time + VAD and Whisper CPU."""
    config = load_config()
    onset_ms, stop_ms = [], []
    for label in stops:
        word = clip(label.file)
        x = _take(word)
        end = LEAD_S + word.size / RATE - 0.3
        listener = Listener(SileroVad())
        vad_cpu, onset, stopped = 0.0, None, None
        for chunk in chunks_of(x):
            cpu = time.thread_time()
            items = listener.push(chunk)
            vad_cpu += time.thread_time() - cpu
            for item in items:
                if isinstance(item, VoiceOnset) and onset is None:
                    onset = item.t + vad_cpu
                if isinstance(item, Utterance) and stopped is None:
                    cpu = time.thread_time()
                    text = words.transcribe(listener.clip(item))
                    whisper = time.thread_time() - cpu
                    if meaning(text, config.words) == "stop":
                        stopped = item.t + vad_cpu + whisper
        onset_ms.append(1000 * ((onset if onset is not None else float("nan")) - end))
        stop_ms.append(1000 * ((stopped if stopped is not None else float("nan")) - end))
    return onset_ms, stop_ms


def _onset(x: np.ndarray) -> bool:
    listener = Listener(SileroVad())
    return any(isinstance(i, VoiceOnset) for c in chunks_of(x) for i in listener.push(c))


def false_pauses() -> list[Result]:
    others = [r for r in speech() if r.expect != "stop"]
    paused = [_onset(word_in_noise(r, snr, bed)[0]) for r in others for snr, bed in NOISE_LEVELS]
    beds = [_onset(clip(b) * g) for b in ("noise_breathing.wav", "noise_room.wav") for g in (1, 30)]
    return [
        emit("hands_on_non_stop_speech_paused", sum(paused) / len(paused), "ratio", "info"),
        emit("hands_on_non_stop_takes", float(len(paused)), "n", "info"),
        emit("hands_on_noise_alone_paused", sum(beds) / len(beds), "ratio", "==0"),
    ]


def run() -> list[Result]:
    started = time.perf_counter()
    stops = [r for r in [*speech("joe"), *speech("espeak")] if r.expect == "stop"]
    stops = stops[::2][:TRIALS]
    p = lambda v, q: float(np.nanpercentile(v, q)) if v else float("nan")  # noqa: E731
    out: list[Result] = []
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp), camera=False, live=2 * len(stops) + 1, grace=900.0)
        try:
            _trial(server, 1, clip(stops[0].file), 0)  # Whisper loaded before timing
            sid = 2
            figures: dict[str, tuple[list[float], list[float]]] = {}
            for step, readies in STEPS.items():
                pause_ms, halt_ms = [], []
                for label in stops:
                    word = clip(label.file)
                    end = LEAD_S + word.size / RATE - 0.3  # the clips keep 0.3 s after it
                    pause, halt = _trial(server, sid, word, readies)
                    sid += 1
                    pause_ms.append(1000 * (pause - end))
                    halt_ms.append(1000 * (halt - end))
                figures[step] = (pause_ms, halt_ms)
        finally:
            server.kill()
    for step, (pause_ms, halt_ms) in figures.items():
        out += [
            emit(f"web_hands_on_{step}_stop_end_to_pause_p50", p(pause_ms, 50), "ms", "info"),
            emit(f"web_hands_on_{step}_stop_end_to_pause_p95", p(pause_ms, 95), "ms", "<=500"),
            emit(f"web_hands_on_{step}_stop_end_to_halt_p50", p(halt_ms, 50), "ms", "info"),
            emit(f"web_hands_on_{step}_stop_end_to_halt_p95", p(halt_ms, 95), "ms", "info"),
        ]
    out += false_pauses()
    onset_ms, stop_ms = _cpu_paths(WhisperWords(), stops)
    out += [
        emit("hands_on_cpu_stop_end_to_onset_decision_p50", p(onset_ms, 50), "ms", "info"),
        emit("hands_on_cpu_stop_end_to_onset_decision_p95", p(onset_ms, 95), "ms", "info"),
        emit("hands_on_cpu_stop_end_to_stop_decision_p50", p(stop_ms, 50), "ms", "info"),
        emit("hands_on_cpu_stop_end_to_stop_decision_p95", p(stop_ms, 95), "ms", "info"),
        emit("hands_on_load_average_1min", load[0], "", "info"),
    ]
    print(f"# bench.web_voice_hands_on took {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return out


if __name__ == "__main__":
    run()
