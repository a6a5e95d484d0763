"""Audio messages from the page: what is taken, what is refused (and why), and how fast.

Bad audio is dropped with a clear, non-fatal error and the session goes on with its
buttons; only a flood of messages (a misbehaving page) closes the socket, as for frames.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from fastapi.testclient import TestClient

from backbuddy.web.audio_in import (
    AUDIO_AHEAD_S,
    CHECKING,
    MAX_AUDIO_SAMPLES,
    AudioRate,
    AudioRejected,
    audio_message,
    is_audio,
    parse_audio,
)

from .conftest import ORIGIN, WS, make_client, start_session
from .test_socket import opening, until

SILENCE = np.zeros(512, dtype=np.float32)


def test_a_chunk_round_trips_with_its_flags() -> None:
    tone = (0.5 * np.sin(np.arange(512) / 5)).astype(np.float32)
    chunk = parse_audio(audio_message(tone, CHECKING))
    assert chunk.flags == CHECKING
    assert chunk.seconds == pytest.approx(0.032)
    assert np.allclose(chunk.samples, tone, atol=1e-4)


def test_frames_are_not_taken_for_audio() -> None:
    assert is_audio(audio_message(SILENCE))
    assert not is_audio(b"\xff\xd8\xff\xe0" + bytes(100))


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"BBA1", "header and samples"),
        (audio_message(SILENCE)[:-1], "even number of bytes"),
        (audio_message(np.zeros(MAX_AUDIO_SAMPLES + 1)), f"at most {MAX_AUDIO_SAMPLES} samples"),
        (audio_message(SILENCE, rate=48000), "16000 Hz mono 16-bit PCM; this message says 48000"),
        (audio_message(SILENCE, rate=8000), "says 8000 Hz"),
        (audio_message(SILENCE, flags=0x80), "known flags"),
        (struct.pack("<4sBBH", b"BBA1", 0, 7, 16000) + bytes(64), "known flags"),
    ],
    ids=["no-samples", "odd-bytes", "too-many-samples", "48k", "8k", "unknown-flag", "reserved"],
)
def test_bad_audio_is_refused_saying_what_is_wrong(data: bytes, says: str) -> None:
    with pytest.raises(AudioRejected, match=says):
        parse_audio(data)


def test_audio_faster_than_real_time_is_dropped_and_real_time_is_not() -> None:
    rate = AudioRate()
    now = 100.0
    taken = 0.0
    while not rate.too_fast(now, 0.032):  # all at once: only the allowance ahead
        taken += 0.032
    assert taken == pytest.approx(AUDIO_AHEAD_S, abs=0.04)
    for _ in range(200):  # then real time goes through, chunk after chunk
        now += 0.032
        assert not rate.too_fast(now, 0.032)


def test_a_flood_of_tiny_messages_is_a_misbehaving_page() -> None:
    rate = AudioRate()
    assert any(rate.flooded(5.0) for _ in range(500))
    rate = AudioRate()
    assert not any(rate.flooded(5.0 + i * 0.032) for i in range(500))  # a real microphone


# ── through the session socket (no model needed: every message here is refused) ──


def test_bad_audio_on_the_socket_is_a_clear_error_and_the_session_goes_on(tmp_path) -> None:
    with make_client(tmp_path) as client:
        sid = start_session(client)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            ws.send_bytes(audio_message(SILENCE, rate=44100))
            err = until(ws, lambda m: m["type"] == "error")
            assert err["code"] == "bad_audio"
            assert "16000 Hz" in err["message"]
            assert err["fatal"] is False
            ws.send_json({"v": 1, "type": "event", "event": {"event": "stop"}, "ref": "p1"})
            cues = until(ws, lambda m: m["type"] == "cues" and m.get("ref") == "p1")
            assert cues["cues"][0]["kind"] == "halt"


def test_a_flood_of_audio_messages_closes_the_socket_and_halts(tmp_path) -> None:
    with make_client(tmp_path) as client:
        sid = start_session(client)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            tiny = audio_message(np.zeros(1, dtype=np.float32), rate=8000)  # refused, cheaply
            for _ in range(400):
                ws.send_bytes(tiny)
            err = until(ws, lambda m: m["type"] == "error" and m["fatal"])
            assert err["code"] == "too_many_messages"


def test_a_server_that_does_not_listen_says_so_in_hello(tmp_path) -> None:
    from backbuddy.config import Settings
    from backbuddy.web.app import create_app

    app = create_app(Settings(db=str(tmp_path / "w.sqlite3")), listening=False, speaking=False)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        sid = start_session(client)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            hello, _, _ = opening(ws)
            assert hello["listening"] is False
            assert "switched off" in hello["listen_problem"]
            assert "say stop to your partner" in hello["say_not_listening"]
            ws.send_bytes(audio_message(SILENCE))
            err = until(ws, lambda m: m["type"] in ("error", "listening"))
            assert err["type"] == "listening"
            assert err["state"] == "unavailable"
