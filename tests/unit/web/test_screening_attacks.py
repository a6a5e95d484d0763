"""Red team (session 14): a red flag sent with the answers must be kept, whatever else the
form got wrong. Each test is one way a real form arrives broken (a stale page from before an
update, an edited form) with a red flag among its answers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import TECHNIQUE, clean_answers

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
