"""docs/session.md is generated from the transition table and must not go stale.

Also: `write_docs` regenerates every generated page, and GLOSSARY.md defines the
project's words (style.md, "Words").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backbuddy.domain import session
from backbuddy.services import session_docs, write_docs

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_docs_session_md_is_up_to_date() -> None:
    assert (DOCS / "session.md").read_text(encoding="utf-8") == session_docs.render(
        session.TRANSITIONS
    ), "docs/session.md is stale: run `python -m backbuddy.services.write_docs`"


def test_the_page_explains_every_mode_and_lists_every_transition() -> None:
    text = session_docs.render(session.TRANSITIONS)
    assert "```mermaid\nstateDiagram-v2\n" in text
    for mode, row in session.TRANSITIONS.items():
        assert f"| `{mode}` | {session_docs.MODE_NOTES[mode][0]} |" in text
        for event, (rule, targets) in row.items():
            assert f"| `{mode}` | {event} | {rule} | {', '.join(targets)} |" in text


def test_a_mode_without_a_description_cannot_be_rendered() -> None:
    table = {**session.TRANSITIONS, "dozing": {"tick": ("wait", ("dozing",))}}
    with pytest.raises(ValueError, match="no description for mode\\(s\\): dozing"):
        session_docs.render(table)


def test_check_mode_reports_a_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "docs" / "session.md"
    assert session_docs.main(["--check", str(out)]) == 1
    assert "is stale" in capsys.readouterr().err
    assert session_docs.main([str(out)]) == 0
    assert session_docs.main(["--check", str(out)]) == 0
    out.write_text(out.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    assert session_docs.main(["--check", str(out)]) == 1


def test_write_docs_writes_and_checks_every_generated_page(tmp_path: Path) -> None:
    assert write_docs.main(["--check", str(tmp_path)]) == 1
    assert write_docs.main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["screening.md", "session.md"]
    assert write_docs.main(["--check", str(tmp_path)]) == 0
    (tmp_path / "screening.md").write_text("stale\n", encoding="utf-8")
    assert write_docs.main(["--check", str(tmp_path)]) == 1


GLOSSARY_WORDS = [
    *("receiver", "assistant", "technique", "step", "phase", "screening", "outcome"),
    *("session", "attempt", "event", "cue", "halt", "pause", "baseline", "measure"),
    *("check", "monitor", "red flag", "move cue"),
    *("camera lagging", "placement", "identity", "voice"),
]


def test_the_glossary_defines_every_project_word() -> None:
    text = (DOCS / "GLOSSARY.md").read_text(encoding="utf-8")
    defined = {m.lower() for m in re.findall(r"^\*\*(.+?)\*\*", text, flags=re.MULTILINE)}
    assert set(GLOSSARY_WORDS) <= defined, set(GLOSSARY_WORDS) - defined
