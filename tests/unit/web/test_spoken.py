"""Spoken cues in the web app: each cues message carries the sentences to say, the line about
stopping is honest about listening, and the server serves rendered sentences it issued only."""

from __future__ import annotations

from pathlib import Path

import pytest

from backbuddy.audio.config import load as load_audio_config
from backbuddy.web.spoken import WebVoice

from .conftest import ORIGIN, WS, make_client, start_session
from .test_socket import opening, until


def test_the_opening_cues_come_with_their_sentences_and_the_honest_stop_line(tmp_path) -> None:
    say = load_audio_config().say
    with make_client(tmp_path) as client:
        sid = start_session(client)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            _, replay, _ = opening(ws)
            texts = [p["text"] for p in replay["speech"]]
            assert "Say stop out loud" not in " ".join(texts)  # nobody checked the microphone
            assert say.not_listening.split(". ")[0] + "." in texts
            assert all(p["url"] is None for p in replay["speech"])  # no server voice: the page's
            ws.send_json({"v": 1, "type": "event", "event": {"event": "stop"}, "ref": "p1"})
            halt = until(ws, lambda m: m["type"] == "cues" and m.get("ref") == "p1")
            assert [p["text"] for p in halt["speech"]][0] == "Stop."


def test_only_sentences_the_server_issued_can_be_fetched(tmp_path) -> None:
    with make_client(tmp_path) as client:
        assert client.get(f"/speech/{WebVoice.key('anything at all')}.wav").status_code == 404
        assert client.get("/speech/../../etc/passwd.wav").status_code == 404


@pytest.mark.slow
def test_an_issued_sentence_is_rendered_once_and_served_as_wav(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        voice = WebVoice(folder=tmp_path / "speech")
        client.app.state.registry.voice = voice  # type: ignore[attr-defined]
        part = voice.part("Stop.")
        first = client.get(part["url"])
        assert first.status_code == 200, first.text
        assert first.headers["content-type"] == "audio/wav"
        assert first.content[:4] == b"RIFF"
        assert len(list((tmp_path / "speech").glob("*.wav"))) == 1
        assert client.get(part["url"]).content == first.content  # from the cache


def test_where_we_speak_less_a_movement_cue_goes_in_pieces_each_with_its_silence() -> None:
    from backbuddy.domain.cues import Cue

    voice = WebVoice(enabled=False)
    move = Cue(0.0, "move", "Attempt 1 of 3. Assistant, lean back slowly as the breath goes out.")
    assert [p["text"] for p in voice.parts([move], True)] == [
        "Attempt 1 of 3.",
        "Assistant, lean back slowly as the breath goes out.",
    ]
    assert voice.parts([move], True, 1.0) == [
        {"text": "Assistant, lean back slowly", "url": None, "gap_s": 1.0},
        {"text": "as the breath goes out.", "url": None, "gap_s": 1.0},
    ]


def test_the_page_speaks_less_only_where_the_hands_are_on(tmp_path) -> None:
    """Our echo as loud as a voice (`speak_less_s`, set by the audio stream): the receiver's own
    set-up step is said whole; the step where the assistant takes hold, in pieces with silences."""
    with make_client(tmp_path) as client:
        sid = start_session(client)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        live.speak_less_s = 1.0
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            _, replay, _ = opening(ws)
            assert any(c["kind"] == "step" for c in replay["cues"])  # the receiver's own step
            assert all(p.get("gap_s") is None for p in replay["speech"])  # said whole
            for n in range(1, 4):
                ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": f"r{n}"})
                got = until(ws, lambda m, n=n: m["type"] == "cues" and m.get("ref") == f"r{n}")
                step = next((c for c in got["cues"] if c["kind"] == "step"), None)
                if step is not None:
                    break
            assert step is not None, "no set-up step came"
            assert live.runner.state.mode == "setup"
            gaps = {p.get("gap_s") for p in got["speech"]}
            hands_on = live.runner.state.technique.setup[live.runner.state.setup_index].hands_on
            assert hands_on
            assert gaps == {1.0}
            assert not any(p["text"].startswith("Attempt") for p in got["speech"])
