"""Ports: what the outside must offer. A hand-written fake satisfies them structurally."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from backbuddy.domain.cues import Cue
from backbuddy.domain.ports import CueSink, SessionRecord, SessionStore


class ListSink:
    """The smallest CueSink: remembers what it was shown."""

    def __init__(self) -> None:
        self.shown: list[Cue] = []

    def show(self, cues: Sequence[Cue]) -> None:
        self.shown.extend(cues)


def test_a_list_is_enough_to_be_a_cue_sink():
    sink: CueSink = ListSink()
    sink.show([Cue(0.0, "say", "Hello.")])
    assert [c.text for c in sink.shown] == ["Hello."]  # type: ignore[attr-defined]


def test_the_store_port_offers_what_the_session_runner_needs_in_i7_order():
    needed = {"start_session", "append_steps", "finish_session"}
    assert needed | {"mark_interrupted", "latest_screening"} <= set(vars(SessionStore))


def test_a_session_record_is_a_frozen_value():
    record = SessionRecord(
        id=1,
        technique="seated_hug_extension",
        started_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
        ended_at=None,
        status="running",
        attempts=0,
        camera=False,
        screening_id=None,
    )
    assert record.end_reason is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.attempts = 1  # type: ignore[misc]
