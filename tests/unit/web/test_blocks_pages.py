"""Blocks on the person in the web app (issue 11, items 3–6), over a real SQLite store.

A red flag holds across techniques and re-screens, and a hand-made POST cannot start
a session past it; a symptom halt blocks until a professional's visit is recorded on
the home page; a wait shows only its own text and when it ends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from .conftest import ORIGIN, TECHNIQUE, WS, clean_answers, start_session

OTHER = "side_lying_rotation"
SEEN = "A physiotherapist, chiropractor or doctor has seen the receiver since"


def screen(client: TestClient, technique: str = TECHNIQUE, **yes: str) -> str:
    r = client.post(f"/screening/{technique}", data={**clean_answers(), **yes})
    assert r.status_code == 200, r.text
    return r.text


def stored_sessions(client: TestClient) -> list[object]:
    return list(client.app.state.registry.store.sessions())  # type: ignore[attr-defined]


def test_a_re_screen_with_no_everywhere_is_still_not_today(client: TestClient) -> None:
    screen(client, cancer_history="yes")
    page = screen(client)
    assert "Not today" in page
    assert "you answered “yes” to “Have you ever had cancer" in page
    assert "that still holds until a physiotherapist, chiropractor or doctor" in page
    assert "Answering differently now does not lift it." in page
    assert "Go to set-up" not in page


def test_a_hand_made_post_cannot_start_a_session_past_a_red_flag(client: TestClient) -> None:
    """Item 4: clear screening first, then a red flag (as in another tab), then POST /sessions."""
    screen(client)
    screen(client, OTHER, saddle_numbness="yes")
    for technique in (TECHNIQUE, OTHER):
        r = client.post("/sessions", data={"technique": technique}, follow_redirects=False)
        assert r.status_code == 409, r.text
        assert "Get urgent medical help" in r.text
        assert "call emergency services now" in r.text
        assert 'action="/sessions"' not in r.text
    assert stored_sessions(client) == []


def test_the_screening_form_says_not_today_while_a_block_holds(client: TestClient) -> None:
    screen(client, recent_spinal_surgery="yes")
    for technique in (TECHNIQUE, OTHER):
        r = client.get(f"/screening/{technique}")
        assert r.status_code == 409
        assert "Not today" in r.text
        assert 'name="saddle_numbness"' not in r.text  # no questions to answer again


def test_a_wait_shows_only_its_own_text_and_when_it_ends(client: TestClient) -> None:
    """Item 5 (cracked_today): no referral is added to a block that says it is not one."""
    page = screen(client, cracked_today="yes")
    assert "This is not a referral" in page
    assert "You can screen again after" in page
    assert "Please talk to a doctor or physiotherapist" not in page
    assert "backbuddy seen" not in page
    home = client.get("/").text
    assert "this is a wait, not a referral" in home
    assert 'action="/seen"' not in home  # a visit does not end a wait


def test_a_referral_block_says_how_it_ends(client: TestClient) -> None:
    page = screen(client, night_pain="yes")
    assert "Please talk to a doctor or physiotherapist" in page
    assert "until a physiotherapist, chiropractor or doctor has seen the receiver" in page


def halt_for_a_symptom(client: TestClient) -> int:
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        for _ in range(3):
            ws.receive_json()
        event = {"event": "sensation", "sensation": "weakness"}
        ws.send_json({"v": 1, "type": "event", "event": event})
        while ws.receive_json().get("type") != "cues":
            pass
    return sid


def test_a_symptom_halt_blocks_until_the_visit_is_recorded_on_the_home_page(
    client: TestClient,
) -> None:
    """Item 3: the home page says why and what to do, and takes the dated confirmation."""
    halt_for_a_symptom(client)
    home = client.get("/")
    assert "Not today: sessions are blocked" in home.text
    assert "stopped for a symptom" in home.text
    assert 'action="/seen"' in home.text
    assert SEEN in home.text
    assert client.get(f"/screening/{OTHER}").status_code == 409

    today = datetime.now().astimezone().date()
    refused = {
        "no confirmation": {"seen_on": today.isoformat()},
        "in the future": {"seen_on": (today + timedelta(days=1)).isoformat(), "confirm": "yes"},
        "before the halt": {"seen_on": (today - timedelta(days=1)).isoformat(), "confirm": "yes"},
        "not a date": {"seen_on": "yesterday", "confirm": "yes"},
    }
    for why, form in refused.items():
        r = client.post("/seen", data=form)
        assert r.status_code == 422, why
        assert 'role="alert"' in r.text, why
    assert client.app.state.registry.store.seen() == []  # type: ignore[attr-defined]

    done = client.post("/seen", data={"seen_on": today.isoformat(), "confirm": "yes"})
    assert done.status_code == 200  # followed the redirect home
    assert "Not today: sessions are blocked" not in done.text
    assert "Professional visits recorded: seen on" in done.text
    history = client.get("/history").text
    assert "Professional visits recorded" in history
    assert "halted: a symptom" in history


def test_block_notices_are_on_the_home_and_history_pages(client: TestClient) -> None:
    """Item 6: a block outcome and a re-answer that contradicts it are notices."""
    screen(client, weight_loss="yes")
    screen(client)
    home = client.get("/").text
    assert "answered: weight loss" in home
    assert "An earlier answer still holds" in home
    history = client.get("/history").text
    assert "answered no to weight loss" in history


def test_a_visit_cannot_be_recorded_when_nothing_waits_for_one(client: TestClient) -> None:
    today = datetime.now(UTC).astimezone().date().isoformat()
    r = client.post("/seen", data={"seen_on": today, "confirm": "yes"})
    assert r.status_code == 422
    assert "Nothing waits for a professional" in r.text


def test_a_red_flag_sent_twice_with_a_no_after_it_is_not_read_as_no(client: TestClient) -> None:
    """Red-team review: an edited form that sends one question twice ("yes", then "no") was
    read by its last value, so the red flag disappeared and the session could start. Two
    different answers to one question are not understood: the form asks again, and the
    most serious of them (the yes) is kept as given (red team, session 14: a red flag sent
    must not disappear when the pair then answers "no")."""
    form = [*clean_answers().items()]
    form = [(k, v) for k, v in form if k != "cancer_history"]
    form += [("cancer_history", "yes"), ("cancer_history", "no")]
    body = "&".join(f"{k}={v}" for k, v in form)
    r = client.post(
        f"/screening/{TECHNIQUE}",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert "Go to set-up" not in r.text
    assert "not understood" in r.text
    kept = client.app.state.registry.store.screenings()  # type: ignore[attr-defined]
    assert [r.answers.get("cancer_history") for r in kept] == [True]
    client.post(f"/screening/{TECHNIQUE}", data=clean_answers())
    started = client.post("/sessions", data={"technique": TECHNIQUE}, follow_redirects=False)
    assert started.status_code != 303


def test_a_caution_answered_mid_session_ends_the_session_started_without_it(
    client: TestClient,
) -> None:
    """Red-team review: the pair started under a clear screening; in another tab the receiver
    answers again, now with blood thinners (a caution for this technique: lighter pressure,
    gentler limits). The running session went on with the clear limits, and "start" led
    back to it. It now ends (a system stop first), the page is told why, and the next start
    is a new session under the caution."""
    sid = start_session(client)
    live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        for _ in range(3):
            ws.receive_json()
        page = screen(client, anticoagulants="yes")
        assert "blood thinners" in page
        told = _until(ws, lambda m: m["type"] == "error")
        assert "answered again" in told["message"]
        cues = _until(ws, lambda m: m["type"] == "cues" and m["cues"])
        assert cues["cues"][0]["kind"] == "halt"
        assert _until(ws, lambda m: m["type"] == "state" and m["mode"] == "ended")
    assert live.runner.state.mode == "ended"
    r = client.post("/sessions", data={"technique": TECHNIQUE}, follow_redirects=False)
    assert r.status_code == 303, r.text
    new = int(r.headers["location"].rsplit("/", 1)[1])
    assert new != sid
    state = client.app.state.registry.get(new).runner.state  # type: ignore[attr-defined]
    assert state.screening is not None
    assert state.screening.outcome == "caution"


def test_the_same_caution_answered_again_leaves_the_session_alone(client: TestClient) -> None:
    screen(client, anticoagulants="yes")
    r = client.post("/sessions", data={"technique": TECHNIQUE}, follow_redirects=False)
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    screen(client, anticoagulants="yes")
    live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
    assert live.runner.state.mode not in ("halted", "ended")


def _until(ws: object, pred: object) -> dict[str, object]:
    for _ in range(50):
        msg = ws.receive_json()  # type: ignore[attr-defined]
        if pred(msg):  # type: ignore[operator]
            return msg  # type: ignore[no-any-return]
    raise AssertionError("message never came")


def test_a_partial_form_with_a_red_flag_is_kept_and_answering_no_everywhere_is_not_today(
    client: TestClient,
) -> None:
    """A tampered or old form that leaves questions out: a red flag in it is not lost."""
    partial = {"saddle_numbness": "no", "limb_numbness": "yes"}
    page = client.post(f"/screening/{TECHNIQUE}", data=partial)
    assert page.status_code == 200, page.text
    assert "Not today" in page.text
    assert "see a physiotherapist, chiropractor or doctor" in page.text
    assert "Go to set-up" not in page.text
    again = screen(client)
    assert "Not today" in again
    assert "Answering differently now does not lift it." in again
    for technique in (TECHNIQUE, OTHER):
        r = client.post("/sessions", data={"technique": technique}, follow_redirects=False)
        assert r.status_code == 409, r.text
    assert stored_sessions(client) == []


def test_a_partial_form_with_an_answer_that_blocks_only_the_other_technique_keeps_it(
    client: TestClient,
) -> None:
    """Blood thinners answered "yes" in a partial seated hug form (a caution for the hug, a
    block for the side-lying rotation): the hug still needs every answer, and the answer is
    kept, so a side-lying screening answering "no" everywhere is not today. Before: nothing
    was stored, and the side-lying screening was clear."""
    partial = {"saddle_numbness": "no", "anticoagulants": "yes"}
    page = client.post(f"/screening/{TECHNIQUE}", data=partial)
    assert page.status_code == 422, page.text
    assert "Please answer every question" in page.text
    assert "they rule out the Assisted Side-Lying Rotation today" in page.text
    other = screen(client, OTHER)
    assert "Not today" in other
    assert "Because you take blood thinners" in other
    r = client.post("/sessions", data={"technique": OTHER}, follow_redirects=False)
    assert r.status_code == 409, r.text
    assert "Go to set-up" in screen(client)  # the seated hug: a caution, by its own rules
    assert stored_sessions(client) == []


def test_a_partial_form_without_a_red_flag_stores_nothing(client: TestClient) -> None:
    r = client.post(f"/screening/{TECHNIQUE}", data={"chronic_pain": "yes"})
    assert r.status_code == 422
    assert "Please answer every question" in r.text
    assert client.app.state.registry.store.screenings() == []  # type: ignore[attr-defined]
    assert "Go to set-up" in screen(client)
