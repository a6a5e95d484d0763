"""The clinician report: golden HTML for a fixed history, a PDF that renders to pages with plots."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC
from pathlib import Path

import pytest
from PIL import Image

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.reports.data import collect
from backbuddy.reports.html import TITLE, render_html, render_pdf

from .conftest import NOW

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden" / "report.html"
BAR_RGB = (0x4C, 0x72, 0xB0)


def test_the_report_html_matches_the_golden_file(sample_store: SqlStore) -> None:
    """Regenerate after a deliberate change with UPDATE_GOLDEN=1, then look at the diff."""
    html = render_html(collect(sample_store, NOW), UTC)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(html, encoding="utf-8")
    assert html == GOLDEN.read_text(encoding="utf-8")


def test_the_report_is_self_contained_and_carries_the_disclaimer(sample_store: SqlStore) -> None:
    html = render_html(collect(sample_store, NOW), UTC)
    assert "Not a medical device; not a substitute for professional care." in html
    assert html.count("<svg") == 3
    assert "src=" not in html
    assert 'href="http' not in html
    assert "<script" not in html


def test_a_period_without_anything_still_renders_plainly(sqlite_url: str) -> None:
    with SqlStore(sqlite_url) as store:
        html = render_html(collect(store, NOW, since=NOW), UTC)
    assert "No sessions in this period." in html
    assert "No notices in this period." in html
    assert "Nothing blocks a session now" in html


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="poppler-utils missing (make system-deps)"
)
def test_the_pdf_has_pages_the_title_and_a_plot(sample_store: SqlStore, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_pdf(render_html(collect(sample_store, NOW), UTC)))
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert 2 <= len(pages) <= 6
    assert " ".join(TITLE.split()[:4]) in " ".join(text.split())
    bar_pixels = [_count(Image.open(p).convert("RGB"), BAR_RGB) for p in pages]
    assert max(bar_pixels) > 500, bar_pixels


def _count(image: Image.Image, rgb: tuple[int, int, int]) -> int:
    return sum(
        n
        for n, colour in image.getcolors(maxcolors=1 << 20) or []
        if all(abs(a - b) <= 6 for a, b in zip(colour, rgb, strict=True))
    )


def test_block_screenings_and_contradictions_are_notices_in_the_report(sqlite_url: str) -> None:
    """Issue 11: urgent-help and refer screenings were listed, yet "No referral notices"."""
    from datetime import timedelta

    from backbuddy.domain.screening import load_questions
    from backbuddy.services.escalation import current_notices, person_blocks
    from backbuddy.services.screening import take_screening

    no = {q.id: q.negative for q in load_questions().questions}
    day = NOW - timedelta(days=3)
    with SqlStore(sqlite_url) as store:
        sid = store.start_session("seated_hug_extension", None, day - timedelta(days=1), False)
        store.finish_session(sid, "ended_by_pair", day - timedelta(days=1), 1, "ended_by_pair")
        for at, yes in (
            (day, {"saddle_numbness": True}),
            (day + timedelta(minutes=5), {"severe_osteoporosis": True}),
            (day + timedelta(minutes=9), {}),
        ):
            take_screening(store, "side_lying_rotation", no | yes, at, tz=UTC)
        current_notices(store, NOW, UTC)
        data = collect(store, NOW, blocks=person_blocks(store, NOW, UTC))
    html = render_html(data, UTC)
    assert "No notices in this period." not in html
    assert html.count("Red flag at a screening (blocked sessions)") == 1  # one group
    assert [g.count for g in data.notice_groups if g.latest.rule == "red_flag"] == [2]
    assert "Re-answer that contradicted a block" in html
    assert "answered no to saddle numbness" in html
    assert "ended by the pair</td>" in html  # said once, not "ended by the pair: ended by pair"
    assert "Until a professional has seen the receiver" in html  # blocks in force
    assert len(data.blocks) == 2


def test_a_session_backbuddy_ended_for_a_screening_reads_so_everywhere(sqlite_url: str) -> None:
    """Red-team leftover 2: stored as `ended_by_pair`, the export said the pair ended it.
    Ended through the real runner (the server's end for a screening answered since), it is
    `screened_out` in the store and the export, "ended by backbuddy" in the report and the
    history, and a stopped Procedure in the FHIR bundle (which validates)."""
    import json
    from datetime import timedelta

    from fhir.resources.R4B.bundle import Bundle

    from backbuddy.domain import events as ev
    from backbuddy.domain import session, techniques
    from backbuddy.domain.screening import evaluate, load_questions
    from backbuddy.reports import dump, fhir
    from backbuddy.services.session_runner import SessionRunner

    at = NOW - timedelta(days=1)
    questions = load_questions()
    no = {q.id: q.negative for q in questions.questions}
    result = evaluate(questions, no, "seated_hug_extension", at)
    with SqlStore(sqlite_url) as store:
        sid = store.save_screening(result, no)
        state = session.new_session(techniques.get("seated_hug_extension"), result)
        runner = SessionRunner.start(store, state, sid, at)
        runner.handle(ev.Begin(0.0, at=at), at)
        runner.handle(ev.End(1.0, why="screening"), at + timedelta(seconds=1))
        assert [(s.status, s.end_reason) for s in store.sessions()] == [
            ("screened_out", "screening")
        ]
        data = collect(store, NOW)
    html = render_html(data, UTC)
    assert "ended by backbuddy: a screening answered since no longer allowed it" in html
    assert "ended by the pair" not in html
    assert json.loads(dump.to_json(data))["sessions"][0]["status"] == "screened_out"
    bundle = Bundle.model_validate_json(fhir.to_json(data))
    procedures = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Procedure"]
    assert [p.status for p in procedures] == ["stopped"]


def test_a_symptom_felt_in_another_session_reads_as_felt_there_everywhere(
    sqlite_url: str,
) -> None:
    """Red-team leftover of session 8: the session stopped by a symptom felt in another one
    stored the sensation as if felt in it, so its history, the report and the export said
    the receiver felt numbness twice, once in each. Stopped through the real runners and the
    real look at the store (`StoreWatch`, a second connection as another process holds it),
    the other session now stores where it was felt: `symptom_elsewhere` in the store and the
    export, "numbness felt in session 1" in the report and the FHIR outcome, one symptom in
    the report's list; the rules still read a symptom halt (no new start until seen)."""
    import json
    from datetime import timedelta

    from fhir.resources.R4B.bundle import Bundle

    from backbuddy.domain import events as ev
    from backbuddy.domain import session, techniques
    from backbuddy.domain.errors import ScreeningBlocked
    from backbuddy.domain.screening import evaluate, load_questions
    from backbuddy.reports import dump, fhir
    from backbuddy.services.felt_elsewhere import WATCH_S, StoreWatch
    from backbuddy.services.screening import require_valid_screening, take_screening
    from backbuddy.services.session_runner import SessionRunner

    at = NOW - timedelta(hours=1)
    questions = load_questions()
    no = {q.id: q.negative for q in questions.questions}
    with SqlStore(sqlite_url) as here, SqlStore(sqlite_url) as there:
        runners = []
        for store, tid in ((here, "seated_hug_extension"), (there, "side_lying_rotation")):
            result = evaluate(questions, no, tid, at)
            sid = store.save_screening(result, no)
            state = session.new_session(techniques.get(tid), result)
            runners.append(SessionRunner.start(store, state, sid, at))
            runners[-1].handle(ev.Begin(0.0, at=at), at)
        felt, other = runners
        watch = StoreWatch(there, other.session_id, "side_lying_rotation", None)
        felt.handle(ev.Sensation(0.5, sensation="numbness"), at)
        found, said = watch.poll(WATCH_S, at + timedelta(seconds=WATCH_S))
        assert found == [
            ev.Sensation(WATCH_S, "numbness", elsewhere=f"in session {felt.session_id}")
        ]
        assert f"in session {felt.session_id}" in said
        for event in found:
            other.handle(event, at + timedelta(seconds=WATCH_S))
        assert other.state.end_reason == "symptom"  # the engine's own symptom halt
        assert [(s.id, s.status, s.end_reason) for s in here.sessions()] == [
            (felt.session_id, "halted", "symptom"),
            (other.session_id, "halted", "symptom_elsewhere"),
        ]
        take_screening(here, "seated_hug_extension", no, NOW)
        with pytest.raises(ScreeningBlocked):  # I8: a symptom halt blocks until seen
            require_valid_screening(here, "seated_hug_extension", NOW)
        data = collect(here, NOW)
    assert [(s.session_id, s.what) for s in data.symptoms] == [(felt.session_id, "numbness")]
    where = f"halted: numbness felt in session {felt.session_id}"
    assert [s.ending for s in data.sessions] == ["halted: a symptom", where]
    html = render_html(data, UTC)
    assert where in html
    exported = json.loads(dump.to_json(data))
    assert [s["end_reason"] for s in exported["sessions"]] == ["symptom", "symptom_elsewhere"]
    assert (
        exported["sessions"][1]["felt_elsewhere"] == f"numbness felt in session {felt.session_id}"
    )
    assert len(exported["symptoms"]) == 1
    bundle = Bundle.model_validate_json(fhir.to_json(data))
    outcomes = [
        e.resource.outcome.text
        for e in bundle.entry
        if e.resource.get_resource_type() == "Procedure"
    ]
    assert outcomes == ["halted: a symptom", where]
