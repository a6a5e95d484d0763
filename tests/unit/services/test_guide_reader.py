"""The headless event reader: one line at a time, each error naming its line, time bounded."""

from __future__ import annotations

import json

import pytest
from session_strategies import NOW

from backbuddy.domain.errors import EventError
from backbuddy.domain.events import Begin, End, Tick
from backbuddy.services import guide
from backbuddy.services.session_runner import MAX_SIMULATED_S


def lines(*events: dict[str, object]) -> list[str]:
    return [json.dumps(e) for e in events]


def test_six_hours_is_the_last_time_an_event_may_carry():
    assert MAX_SIMULATED_S == 6 * 3600
    read = list(
        guide.EventReader(lines({"t": 0, "event": "begin"}, {"t": 21600, "event": "end"}), NOW)
    )
    assert read[-1] == End(21600.0)
    late = lines({"t": 0, "event": "begin"}, {"t": 21600.001, "event": "tick"})
    with pytest.raises(EventError, match="line 2: event 'tick' at t=21600 s is past the end"):
        list(guide.EventReader(late, NOW))


def test_the_reader_remembers_the_line_it_read_last_and_skips_blank_lines():
    reader = guide.EventReader(["", json.dumps({"t": 0, "event": "begin"}), "  ", '{"t": 1'], NOW)
    events = iter(reader)
    first = next(events)
    assert isinstance(first, Begin)
    assert first.at == NOW
    assert reader.line == 2
    with pytest.raises(EventError, match="line 4: not valid JSON"):
        next(events)


def test_json_nested_too_deep_is_an_event_error_not_a_crash():
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(EventError, match="line 1: "):
        list(guide.EventReader([deep], NOW))


def test_the_event_bound_counts_events_not_blank_lines(monkeypatch):
    monkeypatch.setattr(guide, "MAX_EVENTS", 2)
    ok = ["", *lines({"t": 0, "event": "tick"}, {"t": 1, "event": "tick"}), ""]
    assert list(guide.EventReader(ok, NOW)) == [Tick(0.0), Tick(1.0)]
    with pytest.raises(EventError, match="line 4: a headless session takes at most 2 events"):
        list(guide.EventReader([*ok[:3], json.dumps({"t": 2, "event": "tick"})], NOW))
    guide.check_length(ok, "ok.jsonl")
    with pytest.raises(EventError, match="x.jsonl has 3 events: .*nothing was stored"):
        guide.check_length([*ok, "{}"], "x.jsonl")
