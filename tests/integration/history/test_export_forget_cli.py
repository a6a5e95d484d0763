"""`backbuddy export`, `report` and `forget` through the real entry point: whole files or none."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from fhir.resources.R4B.bundle import Bundle

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.cli.main import run
from backbuddy.reports import dump, fhir
from backbuddy.reports.data import collect

from .conftest import NOW


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def _entry(args: tuple[str, ...]) -> None:
    run(list(args))


def backbuddy(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(_entry, list(args), input=stdin)


def test_the_fhir_bundle_round_trips_through_the_library(sample_store: SqlStore) -> None:
    text = fhir.to_json(collect(sample_store, NOW))
    bundle = Bundle.model_validate_json(text)

    kinds = Counter(e.resource.get_resource_type() for e in bundle.entry)
    assert bundle.type == "collection"
    assert kinds["Patient"] == 1
    assert kinds["Questionnaire"] == 2
    assert kinds["QuestionnaireResponse"] == 14 + 24  # screenings + aftercare checks
    assert kinds["Procedure"] == 12
    assert kinds["Flag"] == len(sample_store.notices())
    # symptoms + max speed and range of 6 camera sessions + the one recorded visit
    assert kinds["Observation"] == 3 + 6 * 2 + 1
    visits = [
        e.resource
        for e in bundle.entry
        if e.resource.get_resource_type() == "Observation" and "seen by" in e.resource.code.text
    ]
    assert [str(v.effectiveDateTime) for v in visits] == [
        v.seen_on.isoformat() for v in sample_store.seen()
    ]
    assert json.loads(bundle.model_dump_json(exclude_none=True)) == json.loads(text)
    assert fhir.to_json(collect(sample_store, NOW)) == text  # stable ids: same history, same file


def test_the_json_dump_holds_everything_stored(sample_store: SqlStore) -> None:
    data = json.loads(dump.to_json(collect(sample_store, NOW)))
    assert (data["format"], data["format_version"]) == ("backbuddy-export", 1)
    assert [len(data[k]) for k in ("screenings", "sessions", "aftercare", "seen")] == [
        14,
        12,
        24,
        1,
    ]
    assert data["sessions"][4]["max_speed_deg_s"] > data["sessions"][4]["speed_limit_deg_s"]
    assert {n["rule"] for n in data["notices"]} >= {"symptom_halt", "speed_halts"}


@pytest.mark.parametrize("fmt", ["fhir", "json"])
def test_export_then_forget_then_export_finds_nothing(
    sample_store: SqlStore, tmp_path: Path, fmt: str
) -> None:
    url, out = sample_store.url, tmp_path / f"export.{fmt}.json"

    exported = backbuddy("export", "--format", fmt, "--out", str(out), "--db", url)
    assert exported.exit_code == 0, exported.output
    assert json.loads(out.read_text())

    forgot = backbuddy("forget", "--yes", "--db", url)
    assert forgot.exit_code == 0, forgot.output
    assert sample_store.where in " ".join(forgot.output.split())

    again = backbuddy("export", "--format", fmt, "--out", str(tmp_path / "again.json"), "--db", url)
    assert again.exit_code == 1
    assert "nothing is stored" in again.output
    assert not (tmp_path / "again.json").exists()


def test_forget_asks_first_and_keeps_everything_when_told_no(sample_store: SqlStore) -> None:
    result = backbuddy("forget", "--db", sample_store.url, stdin="n\n")
    assert result.exit_code != 0
    assert len(sample_store.sessions()) == 12


def test_forget_refuses_while_a_session_runs(sqlite_url: str) -> None:
    with SqlStore(sqlite_url) as store:
        store.start_session("seated_hug_extension", None, NOW, camera=False)
        result = backbuddy("forget", "--yes", "--db", sqlite_url)
        assert result.exit_code == 2
        assert "is running right now" in result.output
        assert "Nothing was deleted" in " ".join(result.output.split())
        assert len(store.sessions()) == 1


def test_an_unwritable_export_target_writes_nothing(sample_store: SqlStore, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    # root may write anywhere it can chmod; /proc refuses new files even to root
    target = locked / "x.json" if os.geteuid() != 0 else Path("/proc/backbuddy-export.json")
    try:
        result = backbuddy("export", "--out", str(target), "--db", sample_store.url)
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 2, result.output
    assert "cannot write" in result.output
    assert "nothing was written" in result.output
    assert not target.exists()
    assert list(locked.iterdir()) == []

    missing = backbuddy(
        "export", "--out", str(tmp_path / "no" / "x.json"), "--db", sample_store.url
    )
    assert "does not exist" in missing.output
    folder = backbuddy("export", "--out", str(tmp_path), "--db", sample_store.url)
    assert "is a folder" in folder.output


def test_report_writes_html_and_pdf_and_refuses_an_empty_period(
    sample_store: SqlStore, tmp_path: Path
) -> None:
    url = sample_store.url
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    assert backbuddy("report", "--out", str(html), "--db", url).exit_code == 0
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert (
        backbuddy("report", "--out", str(pdf), "--since", "2026-05-20", "--db", url).exit_code == 0
    )
    assert pdf.read_bytes().startswith(b"%PDF")

    empty = backbuddy(
        "report", "--since", "2030-01-01", "--out", str(tmp_path / "e.html"), "--db", url
    )
    assert empty.exit_code == 1
    assert "no sessions since 2030-01-01" in empty.output
    assert not (tmp_path / "e.html").exists()
    wrong = backbuddy("report", "--out", str(tmp_path / "r.docx"), "--db", url)
    assert ".html or .pdf" in wrong.output


def test_a_damaged_database_gives_one_clear_line(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"this is not a database" * 100)
    for command in (["report"], ["export", "--out", str(tmp_path / "x.json")], ["forget", "--yes"]):
        result = backbuddy(*command, "--db", str(damaged))
        assert result.exit_code == 2, command
        assert "damaged" in result.output
        assert "Traceback" not in result.output
    assert damaged.read_bytes() == b"this is not a database" * 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.sqlite3"]


def test_history_shows_the_referral_notices(sample_store: SqlStore) -> None:
    result = backbuddy("history", "--db", sample_store.url)
    assert result.exit_code == 0
    assert "Notices" in result.output
    assert "physiotherapist, chiropractor or doctor" in " ".join(result.output.split())
