"""How a session ended reads once, in words (issue 11: "ended by the pair: ended by pair")."""

from __future__ import annotations

import pytest

from backbuddy.domain import wording


@pytest.mark.parametrize(
    ("status", "reason", "said"),
    [
        ("ended_by_pair", "ended_by_pair", "ended by the pair"),
        ("ended_by_pair", "stopped", "ended by the pair: STOP pressed"),
        ("ended_by_pair", None, "ended by the pair"),
        (
            "ended_by_pair",
            "screening",
            "ended by backbuddy: a screening answered since no longer allowed it",
        ),
        ("completed", "completed", "completed"),
        ("completed", "pop", "completed: a click, the area rests"),
        ("halted", "symptom", "halted: a symptom"),
        ("halted", "speed", "halted: too fast"),
        ("halted", "sharp pain", "halted: sharp pain"),  # a reason the engine does not name
        ("interrupted", "backbuddy stopped before the session ended", "interrupted"),
        ("running", None, "still running"),
    ],
)
def test_each_ending_is_said_once(status: str, reason: str | None, said: str) -> None:
    assert wording.ending(status, reason) == said


def test_every_engine_end_reason_has_words() -> None:
    from typing import get_args

    from backbuddy.domain.session import EndReason

    assert set(get_args(EndReason)) <= set(wording.END_REASONS)
