"""docs/screening.md is generated from screening.yaml and must not go stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from backbuddy.domain.screening import load_questions
from backbuddy.services import screening_docs

DOC = Path(__file__).resolve().parents[2] / "docs" / "screening.md"


def test_docs_screening_md_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == screening_docs.render(load_questions()), (
        "docs/screening.md is stale: run `python -m backbuddy.services.screening_docs`"
    )


def test_docs_show_every_question_message_and_source() -> None:
    text = screening_docs.render(load_questions())
    for q in load_questions().questions:
        assert f"### `{q.id}`" in text
        for rule in q.rules:
            assert rule.message in text
            assert (rule.source or q.source) in text


def test_check_mode_reports_a_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "docs" / "screening.md"
    assert screening_docs.main(["--check", str(out)]) == 1
    assert "is stale" in capsys.readouterr().err
    assert screening_docs.main([str(out)]) == 0
    assert screening_docs.main(["--check", str(out)]) == 0
    out.write_text(out.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    assert screening_docs.main(["--check", str(out)]) == 1
