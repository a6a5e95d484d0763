"""Starting a session twice in one sitting (a double click on "Go to set-up", the back
button, a second tab) goes back to the running session.

It used to start nothing and show "Not now: there has already been 1 session today"
while the first session, whose page was never opened, was recorded as interrupted after
the grace period: the day's session lost, and an interrupted one in the history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.testclient import WebSocketTestSession
from tests.unit.web.conftest import (
    ORIGIN,
    TECHNIQUE,
    WS,
    clean_answers,
    make_client,
    start_session,
)

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.cli.screen_cmd import keeper


def until(ws: WebSocketTestSession, pred: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    for _ in range(50):
        message: dict[str, Any] = ws.receive_json()
        if pred(message):
            return message
    raise AssertionError("no such message")


def test_a_second_start_goes_back_to_the_running_session(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        first = start_session(client)
        again = client.post("/sessions", data={"technique": TECHNIQUE}, follow_redirects=False)
        assert again.status_code == 303, again.text
        assert again.headers["location"] == f"/session/{first}"
        store = client.app.state.registry.store  # type: ignore[attr-defined]
        assert [s.id for s in store.sessions()] == [first]


def test_an_ended_session_is_not_gone_back_to(tmp_path: Path) -> None:
    """Once the session is over the day's limit holds as before (I8)."""
    with make_client(tmp_path) as client:
        first = start_session(client)
        live = client.app.state.registry.get(first)  # type: ignore[attr-defined]
        live.interrupt("test: the session ended").result(timeout=10)
        again = client.post("/sessions", data={"technique": TECHNIQUE}, follow_redirects=False)
        assert again.status_code == 409
        assert "Not now" in again.text


def test_a_red_flag_answered_since_is_shown_not_stepped_around(tmp_path: Path) -> None:
    """I1: after a red flag in another tab, a second start shows the block, not the session."""
    with make_client(tmp_path) as client:
        start_session(client)
        flagged = {**clean_answers(), "chest_pain": "yes"}
        assert client.post(f"/screening/{TECHNIQUE}", data=flagged).status_code == 200
        again = client.post("/sessions", data={"technique": TECHNIQUE}, follow_redirects=False)
        assert again.status_code == 409
        assert "location" not in again.headers


def test_a_red_flag_answered_during_a_session_halts_it(tmp_path: Path) -> None:
    """I1 holds during a session too: a red flag answered in another tab halts the running
    session at once (it used to go on, with its movement cues, until it ended)."""
    with make_client(tmp_path) as client:
        first = start_session(client)
        live = client.app.state.registry.get(first)  # type: ignore[attr-defined]
        assert live.runner.state.mode not in ("halted", "ended")
        flagged = {**clean_answers(), "chest_pain": "yes"}
        assert client.post(f"/screening/{TECHNIQUE}", data=flagged).status_code == 200
        store = client.app.state.registry.store  # type: ignore[attr-defined]
        kinds = [(e.kind, getattr(e, "source", None)) for e in store.events(first)]
        assert kinds[-2:] == [("stop", "system"), ("end", None)]
        # Ended, not only halted: a halt could be resumed into movement cues again.
        assert live.runner.state.mode == "ended"
        assert store.sessions()[-1].status != "running"


def test_a_session_halted_by_a_red_flag_cannot_be_resumed(tmp_path: Path) -> None:
    """I1: the page's "resume" after a red flag halted the session brings no movement back."""
    with make_client(tmp_path) as client:
        first = start_session(client)
        flagged = {**clean_answers(), "chest_pain": "yes"}
        with client.websocket_connect(f"{WS}/ws/session/{first}", headers=ORIGIN) as ws:
            for _ in range(3):  # hello, replay, state
                ws.receive_json()
            assert client.post(f"/screening/{TECHNIQUE}", data=flagged).status_code == 200
            told = until(ws, lambda m: m["type"] == "error")
            assert told["code"] == "screening_blocked"
            ws.send_json({"v": 1, "type": "event", "event": {"event": "resume"}, "ref": "r"})
            # The block may be told twice (the form's route and the store's watch, which
            # sees it too on a slow box): the answer to "resume" is what counts.
            answer = until(
                ws,
                lambda m: (
                    (m["type"] == "error" and m["code"] != "screening_blocked")
                    or m.get("ref") == "r"
                ),
            )
            assert answer.get("code") == "refused_event"
        live = client.app.state.registry.get(first)  # type: ignore[attr-defined]
        assert live is None or live.runner.state.mode == "ended"


def test_a_clear_screening_during_a_session_leaves_it_running(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        first = start_session(client)
        live = client.app.state.registry.get(first)  # type: ignore[attr-defined]
        assert client.post(f"/screening/{TECHNIQUE}", data=clean_answers()).status_code == 200
        assert live.runner.state.mode not in ("halted", "ended")


def test_a_partial_form_with_a_red_flag_during_a_session_halts_it(tmp_path: Path) -> None:
    """A form that leaves questions out (tampered, or an old page) still carries its red
    flag: it is stored as that block, and the running session ends at once."""
    with make_client(tmp_path) as client:
        first = start_session(client)
        r = client.post(f"/screening/{TECHNIQUE}", data={"fever_unwell": "yes"})
        assert r.status_code == 200, r.text
        live = client.app.state.registry.get(first)  # type: ignore[attr-defined]
        assert live is None or live.runner.state.mode == "ended"
        store = client.app.state.registry.store  # type: ignore[attr-defined]
        assert store.sessions()[-1].status != "running"


def test_a_partial_form_with_a_red_flag_for_the_other_technique_during_a_session_ends_it(
    tmp_path: Path,
) -> None:
    """Blood thinners in a partial seated hug form: kept as a side-lying block, a new
    caution for the running seated hug (lighter limits it was not set up with): it ends."""
    with make_client(tmp_path) as client:
        first = start_session(client)
        r = client.post(f"/screening/{TECHNIQUE}", data={"anticoagulants": "yes"})
        assert r.status_code == 422, r.text
        live = client.app.state.registry.get(first)  # type: ignore[attr-defined]
        assert live is None or live.runner.state.mode == "ended"


def test_a_red_flag_kept_by_a_terminal_left_unfinished_ends_the_web_session(
    tmp_path: Path,
) -> None:
    """`backbuddy screen` stores a red flag when it is answered (before the questions end),
    through its own store handle: the server's session watch sees it and ends the session."""
    with make_client(tmp_path) as client:
        first = start_session(client)
        registry = client.app.state.registry  # type: ignore[attr-defined]
        with SqlStore(f"sqlite:///{tmp_path / 'web.sqlite3'}") as terminal:
            keep = keeper(terminal, timedelta(hours=2))
            answers = {"saddle_numbness": False, "weight_loss": True}
            assert not keep(answers, TECHNIQUE).allows_session
        ended = client.portal.call(registry.check_screenings, datetime.now(UTC))  # type: ignore[union-attr]
        assert ended == [first]
