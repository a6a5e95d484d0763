"""Red team (session 14): a red flag sent with the answers must be kept, whatever else the
form got wrong. Each test is one way a real form arrives broken (a stale page from before an
update, an edited form) with a red flag among its answers."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from backbuddy.domain.screening import load_questions
from backbuddy.services.escalation import person_blocks
from backbuddy.services.screening import take_screening

from .conftest import ORIGIN, TECHNIQUE, WS, clean_answers, start_session

OTHER = "side_lying_rotation"


def post(client: TestClient, form: list[tuple[str, str]], technique: str = TECHNIQUE) -> str:
    body = "&".join(f"{k}={v}" for k, v in form)
    r = client.post(
        f"/screening/{technique}",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    return r.text


def refused_everywhere(client: TestClient) -> None:
    """A fresh all-"no" screening, then a start, is refused for both techniques."""
    for technique in (TECHNIQUE, OTHER):
        client.post(f"/screening/{technique}", data=clean_answers())
        r = client.post("/sessions", data={"technique": technique}, follow_redirects=False)
        assert r.status_code == 409, (technique, r.status_code, r.text[:300])


def test_a_red_flag_beside_an_answer_not_understood_is_kept(client: TestClient) -> None:
    form = {**clean_answers(), "cancer_history": "yes", "age_over_70": "old_choice_id"}
    post(client, list(form.items()))
    refused_everywhere(client)


def test_a_red_flag_beside_an_unanswered_and_a_garbled_question_is_kept(
    client: TestClient,
) -> None:
    form = {"saddle_numbness": "yes", "chest_pain": "maybe"}
    post(client, list(form.items()))
    refused_everywhere(client)


def test_a_red_flag_beside_a_question_sent_twice_is_kept(client: TestClient) -> None:
    form = [(k, v) for k, v in clean_answers().items() if k not in ("night_pain", "chest_pain")]
    form += [("night_pain", "yes"), ("chest_pain", "no"), ("chest_pain", "yes")]
    post(client, form)
    refused_everywhere(client)


def ended_session(client: TestClient) -> int:
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        for _ in range(3):
            ws.receive_json()
        ws.send_json({"v": 1, "type": "event", "event": {"event": "end", "why": "pair"}})
        with contextlib.suppress(WebSocketDisconnect):
            while ws.receive_json().get("mode") != "ended":
                pass
    store = client.app.state.registry.store  # type: ignore[attr-defined]
    assert next(s for s in store.sessions() if s.id == sid).status != "running"
    return sid


def test_a_symptom_ticked_in_an_aftercare_form_refused_for_another_answer_is_kept(
    client: TestClient,
) -> None:
    """Numbness ticked, the "how do you feel" left out (or a stale form's old value): the
    form comes back to be finished, and if the pair leave it there, or finish it with
    "none", the numbness must still block the next session until the receiver is seen."""
    sid = ended_session(client)
    r = client.post(f"/session/{sid}/aftercare", data={"new_symptoms": ["numbness"]})
    assert r.status_code == 422
    r = client.post(f"/session/{sid}/aftercare", data={"feel": "worse_x", "new_symptoms": "old"})
    assert r.status_code == 422
    client.post(f"/session/{sid}/aftercare", data={"feel": "same", "new_symptoms": ["none"]})
    store = client.app.state.registry.store  # type: ignore[attr-defined]
    blocks = person_blocks(store, datetime.now(UTC))
    assert [b.kind for b in blocks] == ["symptom"]
    assert "numbness" in blocks[0].what


def test_a_start_needs_this_sittings_screening_for_this_technique(client: TestClient) -> None:
    """Held: no screening, one for the other technique, one from an earlier sitting."""
    r = client.post("/sessions", data={"technique": TECHNIQUE}, follow_redirects=False)
    assert r.status_code != 303
    client.post(f"/screening/{OTHER}", data=clean_answers())
    r = client.post("/sessions", data={"technique": TECHNIQUE}, follow_redirects=False)
    assert r.status_code != 303
    store = client.app.state.registry.store  # type: ignore[attr-defined]
    take_screening(store, TECHNIQUE, clean_answers_bool(), datetime.now(UTC) - timedelta(hours=3))
    r = client.post("/sessions", data={"technique": TECHNIQUE}, follow_redirects=False)
    assert r.status_code != 303
    assert store.sessions() == []


def clean_answers_bool() -> dict[str, object]:
    return {q.id: False for q in load_questions().questions}
