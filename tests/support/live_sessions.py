"""Several running sessions in one server, for tests that drive more than one page at once.

The history rules allow one session a day and three in seven (I8), so the sessions are
started 3 days apart, oldest first (the last one now), each after its own clean
screening taken at that moment: every one is a real session, started through the
registry with I1 and the history rules checked. (Going back in time instead no longer
works: a session stamped later than "now" still counts, as after a clock set back.)
Call it on the app's event loop (a session waits there for its page).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from backbuddy.domain import techniques as tech
from backbuddy.domain.screening import load_questions
from backbuddy.services.screening import take_screening
from backbuddy.web.registry import Registry

TECHNIQUE = "seated_hug_extension"


def start_live(registry: Registry, cameras: Sequence[bool], days_back: int = 0) -> list[int]:
    """One running session per entry of `cameras` (with or without the camera watch); ids."""
    now = datetime.now(UTC) - timedelta(days=days_back)
    technique = tech.get(TECHNIQUE)
    answers = {q.id: False for q in load_questions().questions}
    ids = []
    for k, camera in enumerate(cameras):
        when = now - timedelta(days=3 * (len(cameras) - 1 - k))
        take_screening(registry.store, TECHNIQUE, answers, when)
        live = registry.start(technique, camera, when)
        live.await_page()
        ids.append(live.id)
    return ids
