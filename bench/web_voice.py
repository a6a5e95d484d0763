"""Listening through the web app's session socket (issue 10, the page's microphone).

The real app server in a subprocess (`tests/e2e/app_server.py`, camera off, listening on),
one fresh session per trial; a client sends a recording as the page's AudioWorklet does
(16 kHz int16 in 32 ms binary messages, paced in real time) and times, on the wall clock:

* end of "stop" → halt: from the end of the stop word in the audio sent to the `halt`
  cue arriving back (set-up phase: a stop halts in every phase), p50 and p95 over the
  10 joe and espeak-ng stop clips over breathing noise. Goal ≤ 500 ms.
* voice onset → pause: from the word's start in the audio sent to the `pause` cue, in
  the `mobilise` phase, over 10 speech clips (stop words and others). Goal ≤ 300 ms.

The page's own capture adds its AudioWorklet buffering (one 32 ms chunk) on top.
"""

from __future__ import annotations

import json
import queue
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from audio_clips import clip, speech  # noqa: E402
from servers import Server, start_server  # noqa: E402
from websockets.sync.client import ClientConnection, connect  # noqa: E402

from backbuddy.audio.samples import RATE  # noqa: E402
from backbuddy.web.audio_in import audio_message  # noqa: E402
from bench import Result, emit  # noqa: E402

CHUNK = 512
LEAD_S = 1.0  # breathing before each word
TRIALS = 10


def _stream(ws: ClientConnection, x: np.ndarray, started: float) -> None:
    """Send `x` like a microphone: each 32 ms chunk once it has been 'heard'."""
    for i in range(0, x.size, CHUNK):
        due = started + (i + CHUNK) / RATE
        time.sleep(max(0.0, due - time.perf_counter()))
        ws.send(audio_message(x[i : i + CHUNK]))


def _reader(ws: ClientConnection, out: queue.Queue[tuple[float, dict]]) -> None:
    try:
        while True:
            out.put((time.perf_counter(), json.loads(ws.recv())))
    except Exception:  # noqa: BLE001 - the socket closed: the trial is over
        return


def _wait(inbox: queue.Queue[tuple[float, dict]], pred, within: float) -> tuple[float, dict]:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + within
    while (left := deadline - time.perf_counter()) > 0:
        try:
            at, msg = inbox.get(timeout=left)
        except queue.Empty:
            break
        if pred(msg):
            return at, msg
    return float("nan"), {}


def _take(word: np.ndarray) -> np.ndarray:
    bed = clip("noise_breathing.wav")
    lead = np.resize(bed, round(LEAD_S * RATE))
    tail = np.resize(bed, round(1.5 * RATE))
    return np.concatenate([lead, word + np.resize(bed, word.size), tail]).astype(np.float32)


def _trial(server: Server, sid: int, word: np.ndarray, want: str) -> float:
    """Seconds from the audio's start to the first cue of kind `want` (nan: never)."""
    url = f"{server.ws}/ws/session/{sid}"
    with connect(url, additional_headers={"Origin": server.url}, open_timeout=20) as ws:
        inbox: queue.Queue[tuple[float, dict]] = queue.Queue()
        threading.Thread(target=_reader, args=(ws, inbox), daemon=True).start()
        if want == "pause":  # into the movement: both set-up steps, then the breath in
            for n in range(2):
                ref = f"r{n}"
                ws.send(
                    json.dumps({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": ref})
                )
                _wait(inbox, lambda m, ref=ref: m.get("ref") == ref, 10)  # fmt: skip
            _wait(inbox, lambda m: m.get("type") == "state" and m.get("phase") == "mobilise", 10)
        x = _take(word)
        started = time.perf_counter()
        sender = threading.Thread(target=_stream, args=(ws, x, started), daemon=True)
        sender.start()
        at, _ = _wait(
            inbox,
            lambda m: m.get("type") == "cues" and any(c["kind"] == want for c in m["cues"]),
            x.size / RATE + 5.0,
        )
        sender.join()
        return at - started


def run() -> list[Result]:
    started = time.perf_counter()
    stops = [r for r in [*speech("joe"), *speech("espeak")] if r.expect == "stop"]
    stops = stops[::2][:TRIALS]  # joe and espeak-ng alternately
    talk = [*speech("joe")[:5], *speech("espeak")[10:15]][:TRIALS]
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp), camera=False, live=len(stops) + len(talk), grace=900.0)
        try:
            # One utterance first, so Whisper is loaded before the first timed trial.
            _trial(server, 1, clip(stops[0].file), "halt")
            halt_ms, pause_ms = [], []
            for k, label in enumerate(stops[1:], start=2):
                word = clip(label.file)
                end = LEAD_S + word.size / RATE - 0.3  # the clips keep 0.3 s after the word
                halt_ms.append(1000 * (_trial(server, k, word, "halt") - end))
            for k, label in enumerate(talk, start=len(stops) + 1):
                pause_ms.append(
                    1000 * (_trial(server, k, clip(label.file), "pause") - LEAD_S - 0.3)
                )
        finally:
            server.kill()
    p = lambda v, q: float(np.nanpercentile(v, q)) if v else float("nan")  # noqa: E731
    print(f"# bench.web_voice took {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return [
        emit("web_voice_onset_to_pause_p50", p(pause_ms, 50), "ms", "info"),
        emit("web_voice_onset_to_pause_p95", p(pause_ms, 95), "ms", "<=300"),
        emit("web_voice_stop_end_to_halt_p50", p(halt_ms, 50), "ms", "<=500"),
        emit("web_voice_stop_end_to_halt_p95", p(halt_ms, 95), "ms", "<=500"),
        emit("web_voice_missed_cues", float(np.isnan(halt_ms + pause_ms).sum()), "n", "==0"),
    ]


if __name__ == "__main__":
    run()
