"""I1 during a session, whoever stores the screening (issue 15, item 1).

A server's registry runs a session over a SQLite file; another connection to the same
file (as a terminal's `backbuddy screen` or another worker holds) stores arbitrary
screenings for either technique, with arbitrary answers, at arbitrary moments between
the server's looks at the store (`Registry.check_screenings`). After every look: the
session is still running exactly when the screening standing now would let it go on as it
was set up (no block refuses it, and no caution it started without narrows it: the session
started under an all-clear screening), and a session once ended is ended for good (no resume
brings movement back).
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from history_strategies import QUESTIONS
from hypothesis import given, settings
from hypothesis import strategies as st
from memory_dir import MEMORY_DIR
from tests.support.apart import run_apart

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.config import Settings
from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import ScreeningBlocked
from backbuddy.services.screening import require_valid_screening, take_screening
from backbuddy.web.registry import Registry

TECHNIQUE = "seated_hug_extension"
CLEAR = {q.id: q.negative for q in QUESTIONS.questions}

#: One screening stored elsewhere: a technique and a few answers changed from "all clear".
screenings = st.tuples(
    st.sampled_from(sorted(tech.load_all())),
    st.lists(
        st.sampled_from(QUESTIONS.questions).flatmap(
            lambda q: st.tuples(st.just(q.id), st.sampled_from(q.answers()))
        ),
        max_size=2,
    ),
)
#: Between two looks of the server: none, one or a few screenings stored elsewhere.
rounds = st.lists(st.lists(screenings, max_size=3), min_size=1, max_size=4)


def allowed(store: SqlStore, now: datetime) -> bool:
    """The session, set up under an all-clear screening, may go on as it is: no block
    refuses it and no caution narrows it (the session's own screening is valid)."""
    try:
        _, standing = require_valid_screening(store, TECHNIQUE, now)
    except ScreeningBlocked:
        return False
    return standing.outcome == "clear"


async def scenario(db: Path, plan: list[list[tuple[str, list[tuple[str, object]]]]]) -> None:
    url = f"sqlite:///{db}"
    start = datetime.now(UTC)
    with SqlStore(url) as server_store, SqlStore(url) as elsewhere:
        take_screening(server_store, TECHNIQUE, CLEAR, start)
        registry = Registry(Settings(db=url), server_store, None)
        live = registry.start(tech.get(TECHNIQUE), False, start)
        refused_once = False
        for k, stored in enumerate(plan):
            now = start + timedelta(seconds=k + 1)
            for technique, changes in stored:
                take_screening(elsewhere, technique, CLEAR | dict(changes), now)
            await registry.check_screenings(now)
            ok = allowed(elsewhere, now)
            refused_once = refused_once or not ok
            assert live.over == refused_once, (k, stored)
            if refused_once:
                assert live.runner.state.mode == "ended"
                kinds = [(e.kind, getattr(e, "source", None)) for e in server_store.events(live.id)]
                assert ("stop", "system") in kinds
        await asyncio.wrap_future(live.interrupt("test over"))


@settings(max_examples=25, deadline=None)
@given(plan=rounds)
def test_a_screening_stored_elsewhere_ends_a_session_it_refuses(plan) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory(dir=MEMORY_DIR) as tmp:
        run_apart(lambda: scenario(Path(tmp) / "b.sqlite3", plan))
