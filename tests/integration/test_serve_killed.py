"""The app server itself killed (kill -9) mid-session and started again (red team, session
13; I7, I8): during a movement, just after a symptom's halt, and with an aftercare answer
in flight. Real server processes over a real SQLite file.

After each kill: the file is whole, the next start marks the session that was running
interrupted, a page that reconnects is told the session is not running (close 4404: the
page says "Session cut short … the receiver should rest") and gets no cue, so nothing
resumes a movement; and a symptom the page was told of is stored, so the next screening
is refused.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.page_socket import page, wait_for
from tests.support.servers import Server, start_server
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.config import db_url
from backbuddy.domain.errors import ScreeningBlocked
from backbuddy.domain.screening import load_questions
from backbuddy.services.screening import require_valid_screening, take_screening

from .test_workers import SEATED, screen, start

pytestmark = pytest.mark.slow


def _send(ws: ClientConnection, event: dict[str, Any], ref: str) -> dict[str, Any]:
    ws.send(json.dumps({"v": 1, "type": "event", "event": event, "ref": ref}))
    return wait_for(ws, lambda m: m.get("ref") == ref)


def _to_the_movement(ws: ClientConnection) -> None:
    """Both readies, then the breath-in's ticks, until the engine cues a movement."""
    for ref in ("r1", "r2"):
        assert _send(ws, {"event": "ready"}, ref)["type"] == "cues"
    wait_for(ws, lambda m: m["type"] == "cues" and any(c["kind"] == "move" for c in m["cues"]))


def _kill_and_start_again(server: Server) -> Server:
    server.kill()
    with sqlite3.connect(str(server.db)) as raw:  # whole after the kill
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    return start_server(Path(server.db).parent, camera=False, grace=30.0, again=server)


def _reconnect(server: Server, session_id: int) -> tuple[list[dict[str, Any]], int | None]:
    """What a page reopening the session hears, and the close code."""
    heard: list[dict[str, Any]] = []
    url = f"{server.ws}/ws/session/{session_id}"
    with connect(url, additional_headers={"Origin": server.url}, open_timeout=10) as ws:
        try:
            while True:
                heard.append(json.loads(ws.recv(timeout=10)))
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
    return heard, code


def _told_gone(server: Server, session_id: int) -> None:
    heard, code = _reconnect(server, session_id)
    assert code == 4404, (code, heard)
    assert [m["code"] for m in heard if m["type"] == "error"] == ["unknown_session"], heard
    assert not [m for m in heard if m["type"] == "cues"], heard  # nothing resumes


def test_serve_killed_mid_movement_after_a_symptom_and_in_aftercare(tmp_path: Path) -> None:
    server = start_server(
        tmp_path, camera=False, grace=30.0, live=1, extra=("--live-days-back", "3")
    )
    try:
        # 1. Killed during a movement: interrupted at the next start, nothing to resume.
        with page(server, 1) as ws:
            _to_the_movement(ws)
            server = _kill_and_start_again(server)
        _told_gone(server, 1)
        with SqlStore(db_url(server.db)) as store:
            (one,) = store.sessions()
            assert one.status == "interrupted"
            assert [e.kind for e in store.events(1)].count("ready") >= 1  # what was told is kept

        # 2. Killed just after a symptom's halt reached the page, with the aftercare answer
        #    in flight: the halt is stored, whatever the aftercare write got to.
        screen(server, SEATED)
        assert start(server, SEATED).endswith("/session/2")
        sent = threading.Event()

        def answer() -> None:
            with httpx.Client(base_url=server.url, headers={"origin": server.url}) as http:
                sent.set()
                with contextlib.suppress(httpx.HTTPError):  # the server died under it
                    http.post(
                        "/session/2/aftercare", data={"feel": "worse", "new_symptoms": "none"}
                    )

        with page(server, 2) as ws:
            _to_the_movement(ws)
            felt = _send(ws, {"event": "sensation", "sensation": "sharp_pain"}, "felt")
            assert any(c["kind"] == "halt" for c in felt["cues"])
            poster = threading.Thread(target=answer)
            poster.start()
            sent.wait(10)
            server = _kill_and_start_again(server)
            poster.join(30)
        _told_gone(server, 2)
        answers = {q.id: False for q in load_questions().questions}
        with SqlStore(db_url(server.db)) as store:
            two = {s.id: s for s in store.sessions()}[2]
            assert (two.status, two.end_reason) == ("halted", "symptom")
            assert {s.id: s.status for s in store.sessions()} == {1: "interrupted", 2: "halted"}
            now = datetime.now(UTC)
            take_screening(store, SEATED, answers, now)
            with pytest.raises(ScreeningBlocked):  # I8: the symptom blocks the next session
                require_valid_screening(store, SEATED, now)
    finally:
        server.kill()
