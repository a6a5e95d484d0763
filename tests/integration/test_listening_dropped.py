"""Sound that arrives but is not heard, while the pair counts on a spoken stop (voice review).

During the movement nobody has a free hand: the spoken "stop" is the brake. The server used to
drop audio it could not keep up with (or audio a page sent faster than real time) and only
tell the page "some sound was dropped": a "stop" inside it was lost and the movement went on.
Now any dropped sound, or sound left waiting more than `AUDIO_GAP_S` for the audio thread,
makes the session not listening (the page is told, "say stop to your partner") and pauses a
movement (`listening_lost`, the attempt given back), once: the pair then goes on with Resume.
Real models (Silero VAD, Whisper tiny.en), the real app in process, audio as the page sends it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest
from audio_clips import clip
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from tests.integration.test_listening_lost import Microphone
from tests.integration.test_web_listening import CHECKING, ORIGIN, WS, client, say, start
from tests.integration.test_web_listening import until as until_seen

from backbuddy.adapters.vad import SileroVad
from backbuddy.audio.samples import RATE, Samples
from backbuddy.services.listen import Listener
from backbuddy.web.audio_in import AUDIO_AHEAD_S, MAX_AUDIO_SAMPLES, audio_message

pytestmark = pytest.mark.slow

__all__ = ["client"]


class StallingVad:
    """Silero VAD that waits while `stalled` is clear: the audio thread of a server starved of
    CPU (the model itself is the real one)."""

    def __init__(self) -> None:
        self.vad = SileroVad()
        self.running = threading.Event()
        self.running.set()

    def push(self, chunk: Samples) -> list[float]:
        self.running.wait(timeout=30.0)
        return self.vad.push(chunk)


def to_mobilise(ws: WebSocketTestSession, live: Any, mic: Microphone) -> None:
    """The check passes on a spoken "stop", then Resume, both set-up steps, and the movement."""
    say(ws, "speech/joe_stop.wav", flags=CHECKING)
    assert until_seen(ws, lambda m: m["type"] == "listening")["state"] == "checked"
    mic.flags = 0
    ws.send_json({"v": 1, "type": "event", "event": {"event": "resume"}, "ref": "r"})
    until_seen(ws, lambda m: m.get("ref") == "r")
    for n in range(2):
        ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": f"r{n}"})
        until_seen(ws, lambda m, n=n: m.get("ref") == f"r{n}")
    live.t0 -= 3.5  # most of the breath-in
    until_seen(ws, lambda m: m["type"] == "state" and m["phase"] == "mobilise")


def pause_or_release(ws: WebSocketTestSession, seen: list[dict[str, Any]]) -> dict[str, Any]:
    """The next pause, halt, the release phase (the movement went on to its end), or the end
    (a pop: the session ends; before session 14 a false one at digital silence's end did)."""
    return until_seen(
        ws,
        lambda m: (
            seen.append(m) is None
            and (
                (m["type"] == "cues" and any(c["kind"] in ("pause", "halt") for c in m["cues"]))
                or (m["type"] == "state" and (m["phase"] == "release" or m["mode"] == "ended"))
            )
        ),
    )


def test_a_stop_in_sound_the_server_dropped_pauses_the_movement_and_the_page_is_told(
    client: TestClient,
) -> None:
    """The page sends more sound at once than the server takes (here: faster than real time,
    as a page catching up after a stall would) while its microphone goes on: the "stop" at
    the burst's end is dropped. Before, the page was told "some sound was dropped" and the
    movement ran on."""
    sid = start(client)
    live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
    quiet = np.zeros(round((AUDIO_AHEAD_S + 0.5) * RATE), dtype=np.float32)
    burst = np.concatenate([quiet, clip("speech/joe_stop.wav"), quiet[: RATE // 2]])
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.receive_json()
        with Microphone(ws, CHECKING) as mic:
            to_mobilise(ws, live, mic)
            # The microphone goes on sending in real time (no silence for the gap watch).
            for i in range(0, burst.size, MAX_AUDIO_SAMPLES):  # not a flood of messages
                ws.send_bytes(audio_message(burst[i : i + MAX_AUDIO_SAMPLES]))
            seen: list[dict[str, Any]] = []
            end = pause_or_release(ws, seen)
            # Once: Resume goes on, and the same burst again does not pause for lost sound (no
            # loop). The session no longer counts as listening, so a stop that the rate lets
            # through this time (a loaded box sends the burst slowly) is heard and halts: right.
            ws.send_json({"v": 1, "type": "event", "event": {"event": "resume"}, "ref": "go"})
            until_seen(ws, lambda m: m["type"] == "state" and m["mode"] == "attempt")
            for i in range(0, burst.size, MAX_AUDIO_SAMPLES):
                ws.send_bytes(audio_message(burst[i : i + MAX_AUDIO_SAMPLES]))
            ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": "sync"})
            after = until_seen(ws, lambda m: m.get("ref") == "sync" or m["type"] == "cues")
            time.sleep(0.3)  # a second `lost` would have run by now (in process)
            again = live.runner.state
            assert (again.mode, again.paused_for) in (("attempt", None), ("halted", "stop:voice"))
    assert after.get("ref") == "sync" or not any(c["kind"] == "pause" for c in after["cues"])
    dropped = [m for m in seen if m["type"] == "error" and m["code"] == "too_much_audio"]
    assert dropped
    assert not dropped[0].get("fatal")
    told = [m for m in seen if m["type"] == "listening"]
    assert [t["state"] for t in told] == ["unavailable"]
    assert "dropped" in told[0]["message"]
    assert "spoken stop" in told[0]["message"]
    assert end["type"] == "cues", f"no pause though the stop in the sound was dropped: {end}"
    pause = next(c for c in end["cues"] if c["kind"] in ("pause", "halt"))
    assert (pause["kind"], pause["reason"]) == ("pause", "listening_lost")
    assert live.runner.state.attempts == 0  # a pause the pair did not cause
    assert live.listening is False


def test_a_server_that_falls_behind_on_the_sound_pauses_the_movement_and_says_so(
    client: TestClient,
) -> None:
    """The audio thread stalls (a server starved of CPU) while the page goes on sending in
    real time: the sound waits instead of being heard. Before, nothing happened until 64
    chunks waited, and then the newest were dropped, silently for the movement."""
    registry = client.app.state.registry  # type: ignore[attr-defined]
    vad = StallingVad()
    registry.ears.listener = lambda: Listener(vad)
    sid = start(client)
    live = registry.get(sid)
    try:
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            ws.receive_json()
            with Microphone(ws, CHECKING) as mic:
                to_mobilise(ws, live, mic)
                vad.running.clear()
                seen: list[dict[str, Any]] = []
                end = pause_or_release(ws, seen)
                vad.running.set()
                ws.send_json({"v": 1, "type": "event", "event": {"event": "resume"}, "ref": "go"})
                resumed = until_seen(ws, lambda m: m["type"] == "state" and m["mode"] != "paused")
    finally:
        vad.running.set()
    told = [m for m in seen if m["type"] == "listening"]
    assert [t["state"] for t in told] == ["unavailable"]
    assert "behind" in told[0]["message"]
    assert end["type"] == "cues", f"no pause while the server heard nothing: {end}"
    pause = next(c for c in end["cues"] if c["kind"] in ("pause", "halt"))
    assert (pause["kind"], pause["reason"]) == ("pause", "listening_lost")
    assert resumed["mode"] == "attempt"  # the pair goes on, as after any pause
    assert live.runner.state.attempts == 0
