"""A page sets only the fields of an event a person can press (red team, session 13): every
other field of every kind it may send is the server's (the microphone's pop, the system's
stop, a screening's end, a symptom felt elsewhere), and is refused with words saying so."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backbuddy.domain import events as ev
from backbuddy.domain.errors import EventError
from backbuddy.web.page_events import PAGE_FIELDS, refusal
from backbuddy.web.schemas import PAGE_EVENTS

#: What the server's own sources put in each field (a value the event gate takes).
SERVER_VALUES: dict[str, Any] = {
    "t": 1.0,
    "source": "audio",
    "confidence": 0.9,
    "during_speech": True,
    "why": "screening",
    "elsewhere": "in session 1",
    "sensation": "numbness",
}
SERVER_SOURCES = sorted(set(ev.STOP_SOURCES) - {"button", "key"})


def server_fields() -> list[tuple[str, str]]:
    """Every (kind, field) of the events a page may send that a page may not set."""
    pairs = []
    for kind in sorted(PAGE_EVENTS):
        names = [f.name for f in dataclasses.fields(ev.EVENT_TYPES[kind])]
        pairs += [(kind, n) for n in names if n not in ("kind", *PAGE_FIELDS[kind])]
    return pairs


def test_every_kind_a_page_sends_is_an_event_and_every_field_it_sets_is_one_of_its_own():
    assert set(PAGE_FIELDS) == PAGE_EVENTS <= set(ev.EVENT_TYPES)
    for kind, allowed in PAGE_FIELDS.items():
        names = {f.name for f in dataclasses.fields(ev.EVENT_TYPES[kind])}
        assert set(allowed) <= names - {"t", "kind"}


@pytest.mark.parametrize(("kind", "name"), server_fields())
def test_a_field_only_the_server_sets_is_refused_naming_it(kind: str, name: str) -> None:
    why = refusal({"event": kind, name: SERVER_VALUES.get(name, 0.5)})
    assert why is not None
    assert repr(name) in why
    assert "server" in why or "may set" in why


def test_the_pops_microphone_fields_are_refused():
    assert "microphone" in str(refusal({"event": "pop", "source": "audio", "confidence": 0.9}))
    assert "microphone" in str(refusal({"event": "pop", "source": "reported"}))
    assert refusal({"event": "pop"}) is None


@pytest.mark.parametrize("source", SERVER_SOURCES)
def test_a_stop_from_the_server_side_sources_is_refused(source: str) -> None:
    why = refusal({"event": "stop", "source": source})
    assert "button or key" in str(why)


@pytest.mark.parametrize(
    "event",
    [
        {"event": "stop"},
        {"event": "stop", "source": "button"},
        {"event": "stop", "source": "key"},
        {"event": "sensation", "sensation": "numbness"},
        {"event": "ready"},
        {"event": "resume"},
        {"event": "end"},
        {"event": "resistance"},
    ],
)
def test_what_the_page_sends_passes(event: dict[str, Any]) -> None:
    assert refusal(event) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=4), kids),
    max_leaves=6,
)


@settings(max_examples=60)
@given(
    kind=st.sampled_from(sorted(PAGE_EVENTS)),
    extra=st.dictionaries(
        st.sampled_from(sorted(SERVER_VALUES)) | st.text(max_size=6),
        json_values | st.sampled_from([*SERVER_VALUES.values(), *ev.STOP_SOURCES]),
        max_size=4,
    ),
)
def test_an_event_a_page_gets_past_the_gate_has_every_server_field_at_its_default(
    kind: str, extra: dict[str, Any]
) -> None:
    """Whatever a page sends, the event built from it is one a person could press: a pop
    reported (never heard), a stop from a button or key, an end by the pair, a symptom felt
    here; and checking never raises (any JSON value)."""
    raw = {**extra, "event": kind}
    if refusal(raw) is not None:
        return
    try:
        event = ev.from_dict({**raw, "t": 1.0})
    except EventError:
        return
    if isinstance(event, ev.Pop):
        assert (event.source, event.confidence, event.during_speech) == ("reported", None, False)
    if isinstance(event, ev.Stop):
        assert event.source in ("button", "key")
    if isinstance(event, ev.End):
        assert event.why == "pair"
    if isinstance(event, ev.Sensation):
        assert event.elsewhere is None
