"""The page's microphone through the session socket, with the real models (Silero VAD, Whisper
tiny.en): "stop" halts, a voice during the movement pauses, the set-up check confirms.

Audio goes over the socket as the page's AudioWorklet sends it (docs/protocol.md, "Audio"):
16 kHz int16 in 32 ms chunks; the app is the real one, in process, over a SQLite file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from audio_clips import clip
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from backbuddy.audio.samples import RATE
from backbuddy.config import Settings
from backbuddy.domain.screening import load_questions
from backbuddy.web.app import create_app
from backbuddy.web.audio_in import CHECKING, SPEAKING, SPEAKING_STOP_WORD, audio_message

pytestmark = pytest.mark.slow

BASE, WS = "http://127.0.0.1:8000", "ws://127.0.0.1:8000"
ORIGIN = {"origin": BASE}
CHUNK = 512


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(db=str(tmp_path / "w.sqlite3")), speaking=False, grace_s=30.0)
    with TestClient(app, base_url=BASE) as c:
        yield c


def start(client: TestClient) -> int:
    answers = {q.id: "no" for q in load_questions().questions}
    assert client.post("/screening/seated_hug_extension", data=answers).status_code == 200
    r = client.post("/sessions", data={"technique": "seated_hug_extension"}, follow_redirects=False)
    return int(r.headers["location"].rsplit("/", 1)[1])


def say(ws: WebSocketTestSession, name: str, flags: int = 0, after_s: float = 0.6) -> None:
    """A clip as the page's microphone sends it, with silence after it (the word's end)."""
    x = np.concatenate([clip(name), np.zeros(round(after_s * RATE))]).astype(np.float32)
    for i in range(0, x.size, CHUNK):
        ws.send_bytes(audio_message(x[i : i + CHUNK], flags))


def until(ws: WebSocketTestSession, pred: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    for _ in range(400):
        msg: dict[str, Any] = ws.receive_json()
        if pred(msg):
            return msg
    raise AssertionError("message never came")


def to_the_movement(ws: WebSocketTestSession) -> None:
    """From the socket's opening through both set-up steps (`ready`) to `mobilise`."""
    ws.receive_json()
    for n in range(2):
        ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": f"r{n}"})
        until(ws, lambda m, n=n: m.get("ref") == f"r{n}")
    until(ws, lambda m: m["type"] == "state" and m["phase"] == "mobilise")


def click(ws: WebSocketTestSession, flags: int = 0) -> None:
    """A loud labelled click (pops_1.wav at 10.198 s, 24 dB over the breathing), streamed."""
    x = clip("pops_1.wav")[round(9.5 * RATE) : round(10.7 * RATE)]
    for i in range(0, x.size, CHUNK):
        ws.send_bytes(audio_message(x[i : i + CHUNK], flags))


def stored_events(client: TestClient, sid: int) -> list[Any]:
    store = client.app.state.registry.store  # type: ignore[attr-defined]
    return list(store.events(sid))


def test_a_spoken_stop_in_set_up_halts_and_the_page_hears_what_caused_it(client) -> None:
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        hello = ws.receive_json()
        assert hello["listening"] is True
        say(ws, "speech/joe_stop.wav")
        heard = until(ws, lambda m: m["type"] == "heard" and m["kind"] == "words")
        assert heard["meaning"] == "stop"
        assert "stop" in heard["text"].lower()
        cues = until(ws, lambda m: m["type"] == "cues" and m.get("ref") == heard["ref"])
        assert cues["cues"][0]["kind"] == "halt"
        assert until(ws, lambda m: m["type"] == "state")["mode"] == "halted"
    stops = [e for e in stored_events(client, sid) if e.kind == "stop"]
    assert [s.source for s in stops][:1] == ["voice"]


def test_the_microphone_check_confirms_and_its_stop_halts_like_any_stop(client) -> None:
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.receive_json()
        say(ws, "speech/joe_stop.wav", flags=CHECKING)
        heard = until(ws, lambda m: m["type"] == "heard" and m["kind"] == "words")
        assert heard["check"] is True
        checked = until(ws, lambda m: m["type"] == "listening")
        assert checked["state"] == "checked"
        assert "stop" in checked["heard"].lower()
        assert until(ws, lambda m: m["type"] == "state")["mode"] == "halted"  # I2
        ws.send_json({"v": 1, "type": "event", "event": {"event": "resume"}, "ref": "r1"})
        until(ws, lambda m: m.get("ref") == "r1")
        assert until(ws, lambda m: m["type"] == "state")["mode"] == "setup"
    stops = [e.source for e in stored_events(client, sid) if e.kind == "stop"]
    assert stops[:1] == ["voice"]  # the check's (then, maybe, the page closing: "system")
    assert stops.count("voice") == 1


def test_a_voice_during_the_movement_pauses_it(client) -> None:
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        to_the_movement(ws)
        say(ws, "speech/real_digits_1.wav", after_s=0.1)
        voice = until(ws, lambda m: m["type"] == "heard" and m["kind"] == "voice")
        cues = until(ws, lambda m: m["type"] == "cues" and m.get("ref") == voice["ref"])
        assert cues["cues"][0]["kind"] == "pause"
        assert until(ws, lambda m: m["type"] == "state")["mode"] == "paused"


def test_speech_outside_the_movement_does_not_pause(client) -> None:
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.receive_json()
        say(ws, "speech/real_digits_1.wav")
        until(ws, lambda m: m["type"] == "heard" and m["kind"] == "words")
        ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": "r1"})
        until(ws, lambda m: m.get("ref") == "r1")
        assert until(ws, lambda m: m["type"] == "state")["mode"] == "setup"


def test_a_click_while_the_page_speaks_is_still_a_pop_said_and_stored_as_uncertain(
    client,
) -> None:
    """The same labelled click, sent while the page speaks a cue (flag SPEAKING): it may be
    the page's own sound, but a real pop must not be lost, so it ends the movement and rests
    the region as any pop; the page, the spoken cue and the stored event say it is uncertain.
    Before: passed on as a sure pop, stored as one (a false pop in the history)."""
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        to_the_movement(ws)
        click(ws, SPEAKING)
        pop = until(ws, lambda m: m["type"] == "heard" and m["kind"] == "pop")
        assert pop["during_speech"] is True
        cues = until(ws, lambda m: m["type"] == "cues" and m.get("ref") == pop["ref"])
        assert any("may have been my own sound" in c["text"] for c in cues["cues"])
        state = until(ws, lambda m: m["type"] == "state" and m["ended"])
        assert state["end_reason"] == "pop"
    pops = [e for e in stored_events(client, sid) if e.kind == "pop"]
    assert [(p.source, p.during_speech) for p in pops] == [("audio", True)]


def test_a_click_heard_during_the_movement_is_a_pop_that_rests_the_region(client) -> None:
    """A loud labelled click (pops_1.wav at 10.198 s, 24 dB over the breathing) in `mobilise`."""
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        to_the_movement(ws)
        click(ws)
        pop = until(ws, lambda m: m["type"] == "heard" and m["kind"] == "pop")
        assert 0.5 <= pop["confidence"] <= 1.0
        assert pop["during_speech"] is False
        until(ws, lambda m: m["type"] == "cues" and m.get("ref") == pop["ref"])
        state = until(ws, lambda m: m["type"] == "state" and m["ended"])
        assert state["end_reason"] == "pop"
    pops = [e for e in stored_events(client, sid) if e.kind == "pop"]
    assert [(p.source, p.confidence is not None) for p in pops] == [("audio", True)]


def test_a_stop_said_while_a_pause_speaks_of_stopping_still_halts(client) -> None:
    """Red team (session 14): the page pauses the movement and speaks a sentence that itself
    says "stop" ("Say 'stop' to stop, or press Resume…", after a voice); the page's audio
    during such a sentence was erased so our own word could not stop anything, and the
    receiver's "stop" said over it was lost: the assistant could press Resume and go on.
    Now nothing is erased in a pause (`own_stop_erased`): a stop heard there, even over our own
    voice, halts; and no sentence said in a pause has a stop word left for our echo to be
    heard as one (tests/property/test_own_stop_word_props.py). Before: no words heard at all."""
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        to_the_movement(ws)
        event = {"event": "sensation", "sensation": "discomfort"}
        ws.send_json({"v": 1, "type": "event", "event": event, "ref": "d"})
        until(ws, lambda m: m["type"] == "state" and m["mode"] == "paused")
        say(ws, "speech/joe_stop.wav", flags=SPEAKING | SPEAKING_STOP_WORD)
        heard = until(ws, lambda m: m["type"] == "heard" and m["kind"] == "words")
        assert heard["meaning"] == "stop"
        assert until(ws, lambda m: m["type"] == "state")["mode"] == "halted"
    stops = [e.source for e in stored_events(client, sid) if e.kind == "stop"]
    assert stops[:1] == ["voice"]


def test_a_stop_said_while_the_assistant_takes_hold_is_heard_over_our_voice(client) -> None:
    """The set-up step where the assistant takes hold (hands on) used to speak "Say stop at any
    time" and erase the microphone meanwhile: a "stop" said as the hands went on was lost (no
    voice, no words). Now it halts there too; and, heard over our own voice (it may be our echo),
    it halts without confirming the microphone check."""
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.receive_json()
        ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": "r0"})
        until(ws, lambda m: m["type"] == "state" and m["setup_step"] == "assistant_position")
        say(ws, "speech/joe_stop.wav", flags=SPEAKING | SPEAKING_STOP_WORD | CHECKING)
        heard = until(ws, lambda m: m["type"] == "heard" and m["kind"] == "words")
        assert (heard["meaning"], heard["during_speech"], heard["check"]) == ("stop", True, False)
        after = until(ws, lambda m: m["type"] in ("listening", "state"))
        assert after["type"] == "state", after  # no "checked": our echo must not pass for her
        assert after["mode"] == "halted"
    stops = [e.source for e in stored_events(client, sid) if e.kind == "stop"]
    assert stops[:1] == ["voice"]


def test_our_own_stop_word_before_the_hands_go_on_neither_halts_nor_passes_the_check(
    client,
) -> None:
    """Where a stop would change nothing the pair relies on (here the receiver's own set-up
    step, where the opening lines say "say stop") the page's own stop word is still erased: it
    neither halts nor passes the check. The receiver's words after it are the first heard."""
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.receive_json()
        say(ws, "speech/joe_stop.wav", flags=SPEAKING | SPEAKING_STOP_WORD | CHECKING)
        say(ws, "speech/real_digits_1.wav", flags=CHECKING)
        heard = until(ws, lambda m: m["type"] == "listening" or m.get("kind") == "words")
        assert (heard["type"], heard["meaning"]) == ("heard", "other"), heard
        ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": "r1"})
        until(ws, lambda m: m.get("ref") == "r1")
        assert until(ws, lambda m: m["type"] == "state")["mode"] == "setup"
    assert not [e for e in stored_events(client, sid) if e.kind == "stop" and e.source == "voice"]


def test_a_voice_louder_than_our_own_cue_pauses_the_movement_while_the_page_speaks(
    client,
) -> None:
    """The page speaks through the whole movement (its cues cover 100 % of it) and flags it;
    a voice onset then used to be taken for our own echo, so a "wait" said there paused
    nothing. Our echo's level is learned from the opening lines (set-up, receiver's step);
    her voice, 20 dB above our echo, pauses the movement while the page still speaks."""
    # 2.94 s of audio in all: within what a page may send at once (AUDIO_AHEAD_S), so none
    # is dropped however fast the test runs.
    ours = 0.1 * clip("speech/joe_one__two__three__four.wav")[: round(1.05 * RATE)]
    her = clip("speech/espeak_hold_on.wav")
    x = np.zeros(round(0.3 * RATE) + her.size + round(0.2 * RATE), dtype=np.float32)
    moving = 0.1 * clip("speech/joe_breathe_in.wav")[: x.size]
    x[: moving.size] += moving
    x[round(0.3 * RATE) : round(0.3 * RATE) + her.size] += her
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        for i in range(0, ours.size, CHUNK):  # the opening lines, heard in set-up
            ws.send_bytes(audio_message(ours[i : i + CHUNK], SPEAKING))
        to_the_movement(ws)
        for i in range(0, x.size, CHUNK):
            ws.send_bytes(audio_message(x[i : i + CHUNK], SPEAKING))
        got = until(
            ws,
            lambda m: (
                (m["type"] == "heard" and m["kind"] == "voice")
                or (m["type"] == "state" and m["phase"] not in ("mobilise", None))
            ),
        )
        assert got["type"] == "heard", f"her voice over our cue paused nothing: {got}"
        cues = until(ws, lambda m: m["type"] == "cues" and m.get("ref") == got["ref"])
        assert cues["cues"][0]["kind"] == "pause"
    voices = [e for e in stored_events(client, sid) if e.kind == "voice"]
    assert voices, "the pause's voice was not stored"


def test_our_echo_as_loud_as_her_voice_is_said_and_the_hands_on_cues_come_in_pieces(client) -> None:
    """No echo cancellation (voice17): our lines reach the microphone as loud as her voice.
    The page is told (`loud_echo`, said and shown), and the cues where the hands are on come
    in pieces, each with a silence after it, in which her voice is heard at once."""
    sid = start(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.receive_json()
        ours = clip("speech/joe_that_feels_good.wav")[: round(1.15 * RATE)]  # (speech to 1.11 s)
        for i in range(0, ours.size, CHUNK):  # ours, learned
            ws.send_bytes(audio_message(ours[i : i + CHUNK].astype(np.float32), SPEAKING))
        # We are silent: as loud. Her speech starts 0.3 s past our echo's tail (`echo_tail_s`;
        # the clip keeps 0.3 s before the word), so it is hers, not begun over us, and its
        # words are heard: nothing is left open as the hands go on.
        hers = np.concatenate([np.zeros(round(0.3 * RATE)), clip("speech/espeak_hold_on.wav")])
        for i in range(0, hers.size, CHUNK):
            ws.send_bytes(audio_message(hers[i : i + CHUNK].astype(np.float32), 0))
        # (2.8 s of audio in all: within AUDIO_AHEAD_S, nothing is dropped on a fast box)
        seen: dict[str, dict[str, Any]] = {}

        def told_and_heard(m: dict[str, Any]) -> bool:
            if m["type"] == "listening" or (m["type"] == "heard" and m["kind"] == "words"):
                seen[m["type"]] = m
            return len(seen) == 2

        until(ws, told_and_heard)  # her words are heard before the hands go on: no voice open
        told = seen["listening"]
        assert told["state"] == "loud_echo"
        assert "Headphones" in told["message"]
        assert told["speech"]
        got = []
        for n in range(2):  # the assistant takes hold (hands on), then the breath-in
            ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": f"r{n}"})
            got.append(until(ws, lambda m, n=n: m.get("ref") == f"r{n}"))
        step, breath = got
        assert step["speech"]
        assert {p["gap_s"] for p in step["speech"]} == {1.0}
        assert [(p["text"], p["gap_s"]) for p in breath["speech"]] == [("Breathe in slowly.", 1.0)]


@pytest.mark.parametrize("warm", [True, False])
def test_a_warm_server_loads_the_listening_models_as_the_session_page_opens(
    tmp_path: Path, warm: bool
) -> None:
    """The microphone check's "stop" waited 2–4 s for the models on a busy machine (the VAD,
    then Whisper, loaded on the first audio), and the audio piled up meanwhile (CI, session
    18): `backbuddy serve` loads them as a session page opens, before anyone speaks. An app
    made without it (the tests' default) still loads nothing until audio comes."""
    app = create_app(Settings(db=str(tmp_path / "w.sqlite3")), speaking=False, warm_listening=warm)
    with TestClient(app, base_url=BASE) as c:
        sid = start(c)
        ears = c.app.state.registry.ears  # type: ignore[attr-defined]
        assert ears.warming is None  # nothing before the page opens
        assert not ears.ready
        with c.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            assert ws.receive_json()["type"] == "hello"  # no audio sent, ever
            if not warm:
                assert ears.warming is None
                assert not ears.ready
                return
            assert ears.warming is not None
            ears.warming.result(timeout=120)
            assert ears.ready
