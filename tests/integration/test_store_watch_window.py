"""A symptom or a red flag stored while the terminal guide opens its camera stops its session
(red team, session 10; I2, I8 across processes).

The guide's session starts under the store's start lock, then the guide opens the pose
model and the camera (a second or more), then begins to watch the store (`StoreWatch`).
The watch's first marks were read only then, so a symptom another session stored (or a red
flag answered in the browser) in between was taken as already seen: the guide's session ran
on, movement cues and all. Two real stores over one SQLite file, as two processes hold it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from history_strategies import QUESTIONS
from session_strategies import start

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain.errors import StoreError
from backbuddy.services.felt_elsewhere import WATCH_S, StoreWatch
from backbuddy.services.screening import take_screening
from backbuddy.services.session_runner import SessionRunner

CLEAR = {q.id: q.negative for q in QUESTIONS.questions}


def _guide_and_browser(tmp_path: Path) -> tuple[SqlStore, SqlStore, SessionRunner, datetime]:
    url = f"sqlite:///{tmp_path / 'backbuddy.sqlite3'}"
    guide, browser = SqlStore(url), SqlStore(url)
    began = datetime.now(UTC).replace(microsecond=0)
    runner = SessionRunner.start(guide, start("side_lying_rotation", "clear"), None, began)
    return guide, browser, runner, began


def test_a_symptom_stored_while_the_guide_opened_its_camera_stops_its_session(
    tmp_path: Path,
) -> None:
    guide, browser, runner, began = _guide_and_browser(tmp_path)
    with guide, browser:
        other = SessionRunner.start(browser, start("seated_hug_extension", "clear"), None, began)
        other.handle(ev.Sensation(0.5, sensation="numbness"), began)
        assert other.stored_reason == "symptom"
        watch = StoreWatch(guide, runner.session_id, "side_lying_rotation", None)  # camera open
        found, said = watch.poll(WATCH_S, began + timedelta(seconds=2))
        assert [type(e).__name__ for e in found] == ["Sensation"], said
        assert isinstance(found[0], ev.Sensation)
        assert found[0].sensation == "numbness"
        assert found[0].elsewhere == f"in session {other.session_id}"


def test_a_red_flag_answered_while_the_guide_opened_its_camera_ends_its_session(
    tmp_path: Path,
) -> None:
    guide, browser, runner, began = _guide_and_browser(tmp_path)
    with guide, browser:
        flag, rule = next(
            (q, r)
            for q in QUESTIONS.questions
            for r in q.rules
            if r.outcome == "block_emergency" and r.techniques is None
        )
        take_screening(browser, "side_lying_rotation", {**CLEAR, flag.id: rule.when}, began)
        watch = StoreWatch(guide, runner.session_id, "side_lying_rotation", None)
        found, said = watch.poll(WATCH_S, began + timedelta(seconds=2))
        assert [type(e).__name__ for e in found] == ["Stop", "End"], said


def test_with_nothing_stored_since_the_first_look_stops_nothing(tmp_path: Path) -> None:
    guide, browser, runner, began = _guide_and_browser(tmp_path)
    with guide, browser:
        take_screening(browser, "side_lying_rotation", CLEAR, began - timedelta(minutes=5))
        watch = StoreWatch(guide, runner.session_id, "side_lying_rotation", None)
        assert watch.poll(WATCH_S, began + timedelta(seconds=2)) == ([], "")
        assert watch.poll(2 * WATCH_S, began + timedelta(seconds=3)) == ([], "")


class _FailsOnce(SqlStore):
    """A look that fails once after the marks were read, as a read does while another
    program holds the SQLite file or the PostgreSQL server restarts (a hook of this test)."""

    armed = False

    def events_of_kind(self, kinds, since=None):  # type: ignore[no-untyped-def]
        if self.armed:
            self.armed = False
            raise StoreError(f"{self.where}: cannot read events: the database is busy")
        return super().events_of_kind(kinds, since)


def test_a_look_that_fails_after_the_marks_moved_is_made_again(tmp_path: Path) -> None:
    """Red team, session 12: the watch kept the new marks before it read what they marked,
    so a read failing in between (the guide suppresses it: "the next look tries again") left
    the next look seeing nothing new, and the symptom never stopped the guide's session."""
    url = f"sqlite:///{tmp_path / 'backbuddy.sqlite3'}"
    began = datetime.now(UTC).replace(microsecond=0)
    with _FailsOnce(url) as guide, SqlStore(url) as browser:
        runner = SessionRunner.start(guide, start("side_lying_rotation", "clear"), None, began)
        watch = StoreWatch(guide, runner.session_id, "side_lying_rotation", None)
        assert watch.poll(WATCH_S, began) == ([], "")
        other = SessionRunner.start(browser, start("seated_hug_extension", "clear"), None, began)
        other.handle(ev.Sensation(0.5, sensation="numbness"), began)
        guide.armed = True
        with pytest.raises(StoreError):
            watch.poll(2 * WATCH_S, began + timedelta(seconds=2))
        found, said = watch.poll(3 * WATCH_S, began + timedelta(seconds=3))
        assert [type(e).__name__ for e in found] == ["Sensation"], said
