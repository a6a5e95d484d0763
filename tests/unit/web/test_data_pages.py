"""Reports, exports and "delete everything" in the page (issue 13 item 5), through the real
app over a real SQLite store: the CLI's own reports/ code renders them, handed over as
downloads; deleting takes typed words, a POST from this server's own page, and no session
running."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from backbuddy.reports.html import TITLE

from .conftest import ORIGIN, WS, start_session

SAME_SITE = {"sec-fetch-site": "same-origin"}


def ended_session(client: TestClient) -> int:
    """A session started and ended by the pair through its socket."""
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        ws.send_json({"v": 1, "type": "event", "event": {"event": "end"}})
        while True:
            message = ws.receive_json()
            if message.get("type") == "state" and message["ended"]:
                break
    return sid


def stored(client: TestClient) -> tuple[int, int]:
    store = client.app.state.registry.store  # type: ignore[attr-defined]
    return len(store.sessions()), len(store.screenings())


def test_without_sessions_the_report_and_export_say_so_visibly(client: TestClient) -> None:
    report = client.get("/report")
    assert report.status_code == 400
    assert "no sessions to report yet" in report.text
    export = client.get("/export")
    assert export.status_code == 400
    assert "nothing is stored yet" in export.text


def test_summary_and_history_offer_the_report_the_exports_and_deleting(client: TestClient) -> None:
    sid = ended_session(client)
    for url in (f"/session/{sid}/summary", "/history"):
        page = client.get(url).text
        for link in (
            'action="/report"',
            'value="pdf"',
            'href="/export?format=fhir" download',
            'href="/export?format=json" download',
            'href="/forget"',
        ):
            assert link in page, (url, link)


def test_the_report_opens_as_html_and_downloads_as_pdf(client: TestClient) -> None:
    ended_session(client)
    html = client.get("/report", params={"name": "  Alex   Doe "})
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["content-disposition"].startswith('inline; filename="backbuddy-report-')
    assert " ".join(TITLE.split()[:4]) in html.text
    assert "Alex Doe" in html.text
    assert "Not a medical device" in html.text
    pdf = client.get("/report", params={"format": "pdf"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment; filename=")
    assert pdf.headers["content-disposition"].endswith('.pdf"')
    assert pdf.content.startswith(b"%PDF")


def test_the_exports_download_as_fhir_and_plain_json(client: TestClient) -> None:
    sid = ended_session(client)
    fhir = client.get("/export", params={"format": "fhir"})
    assert fhir.headers["content-disposition"].startswith('attachment; filename="backbuddy-fhir-')
    bundle = json.loads(fhir.content)
    assert bundle["resourceType"] == "Bundle"
    assert any(e["resource"]["resourceType"] == "Procedure" for e in bundle["entry"])
    plain = client.get("/export", params={"format": "json"})
    assert plain.headers["content-disposition"].startswith(
        'attachment; filename="backbuddy-export-'
    )
    dump = json.loads(plain.content)
    assert [s["id"] for s in dump["sessions"]] == [sid]
    assert client.get("/export", params={"format": "xml"}).status_code == 422


def test_deleting_needs_a_post_from_this_page_and_the_typed_words(client: TestClient) -> None:
    ended_session(client)
    before = stored(client)
    page = client.get("/forget")
    assert "Delete everything?" in page.text
    assert "<li>1 session</li>" in page.text
    words = {"confirm": "delete everything"}
    # A bare POST (no Origin, no same-origin mark) and one from another site: refused.
    assert client.post("/forget", data=words).status_code == 403
    other = {"origin": "http://evil.example"}
    assert client.post("/forget", data=words, headers=other).status_code == 403
    # From this page but without the words, or with other words: nothing deleted, said why.
    for typed in ("", "delete", "yes"):
        r = client.post("/forget", data={"confirm": typed}, headers=ORIGIN)
        assert r.status_code == 422
        assert "Nothing was deleted: type “delete everything”" in r.text
    assert stored(client) == before
    done = client.post("/forget", data={"confirm": " Delete  EVERYTHING "}, headers=SAME_SITE)
    assert done.status_code == 200
    assert "Everything is deleted" in done.text
    assert stored(client) == (0, 0)
    assert "No sessions yet." in client.get("/history").text


def test_deleting_is_refused_while_a_session_runs(client: TestClient) -> None:
    start_session(client)
    r = client.post("/forget", data={"confirm": "delete everything"}, headers=ORIGIN)
    assert r.status_code == 409
    assert "a session is running" in r.text
    assert stored(client) == (1, 1)
