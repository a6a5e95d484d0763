"""`events.from_dict`: the one gate for outside data. Bad input is refused, naming the field."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest

from backbuddy.domain.errors import EventError
from backbuddy.domain.events import (
    EVENT_TYPES,
    SYMPTOMS,
    Begin,
    End,
    Pop,
    Pose,
    Ready,
    Resistance,
    Resume,
    Sensation,
    Stop,
    Tick,
    Voice,
    checked_pose,
    from_dict,
    to_dict,
)

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

REFUSED = [
    ([], "an event must be a JSON object, got list"),
    ("tick", "an event must be a JSON object, got str"),
    ({"t": 1.0}, "unknown event None; known events: begin, tick, ready, stop"),
    ({"event": "jump", "t": 1.0}, "unknown event 'jump'; known events: begin, tick"),
    ({"event": ["tick"], "t": 1.0}, r"unknown event \['tick'\]"),
    ({"event": "tick", "t": 1.0, "speed": 3}, r"event 'tick' has unknown field\(s\): speed"),
    ({"event": "tick", "t": 1.0, "b": 1, "a": 2}, r"unknown field\(s\): a, b"),
    ({"event": "tick", "t": 1.0, 5: 1}, r"unknown field\(s\): 5"),
    ({"event": "tick"}, "event 'tick' needs a time field 't' \\(seconds\\)"),
    ({"event": "tick", "t": -0.5}, "event 'tick': time 't' must not be negative, got -0.5"),
    ({"event": "tick", "t": math.nan}, "event 'tick': field 't' must be finite, got nan"),
    ({"event": "tick", "t": math.inf}, "field 't' must be finite, got inf"),
    ({"event": "tick", "t": 10**400}, "field 't' must be finite"),
    ({"event": "tick", "t": True}, "event 'tick': field 't' must be a number, got True"),
    ({"event": "tick", "t": "1.0"}, "field 't' must be a number, got '1.0'"),
    ({"event": "tick", "t": None}, "field 't' must be a number, got None"),
    ({"event": "pose", "t": 1.0, "speed_deg_s": False}, "field 'speed_deg_s' must be a number"),
    ({"event": "pose", "t": 1.0, "range_deg": math.nan}, "field 'range_deg' must be finite"),
    (
        {"event": "pose", "t": 1.0, "speed_deg_s": -40.0},
        "event 'pose': field 'speed_deg_s' must not be negative \\(it is a magnitude\\), got -40.0",
    ),
    ({"event": "pose", "t": 1.0, "range_deg": -20}, "field 'range_deg' must not be negative"),
    ({"event": "pose", "t": 1.0, "speed_deg_s": -math.inf}, "field 'speed_deg_s' must be finite"),
    ({"event": "pose", "t": 1.0, "tracked": 1}, "field 'tracked' must be true or false"),
    ({"event": "pose", "t": 1.0, "checks_ok": "yes"}, "field 'checks_ok' must be true or false"),
    ({"event": "begin", "t": 0.0, "camera": "on"}, "field 'camera' must be true or false"),
    (
        {"event": "sensation", "t": 1.0, "sensation": "tickle"},
        "unknown sensation 'tickle'; known: comfortable_stretch, discomfort, sharp_pain",
    ),
    (
        {"event": "stop", "t": 1.0, "source": "elbow"},
        "unknown stop source 'elbow'; known: button, key, voice, camera, system",
    ),
    ({"event": "stop", "t": 1.0, "sensation": "discomfort"}, "unknown field\\(s\\): sensation"),
    (
        {"event": "begin", "t": 0.0, "at": "yesterday"},
        "event 'begin': field 'at' must be an ISO date-time, got 'yesterday'",
    ),
    ({"event": "begin", "t": 0.0, "at": 12}, "field 'at' must be an ISO date-time, got 12"),
    (
        {"event": "begin", "t": 0.0, "at": "2026-11-25T12:00:00"},
        "event 'begin': field 'at' needs a time zone, got '2026-11-25T12:00:00'",
    ),
    (
        {"event": "begin", "t": 0.0, "at": datetime(2026, 11, 25, 12, 0)},
        "field 'at' needs a time zone",
    ),
]


@pytest.mark.parametrize(("raw", "message"), REFUSED)
def test_malformed_events_are_refused_naming_what_is_wrong(raw, message):
    with pytest.raises(EventError, match=message):
        from_dict(raw)


EXAMPLES = [
    Begin(0.0, at=AT, camera=True),
    Begin(0.0),
    Tick(0.1),
    Ready(0.5),
    Stop(1.0, source="voice"),
    Sensation(2.0, sensation="numbness"),
    Sensation(2.5, sensation="localised_pain"),
    Resistance(3.0),
    Pop(4.0),
    Pose(5.0, tracked=False, checks_ok=False, speed_deg_s=12.5, range_deg=3.25),
    Resume(6.0),
    End(7.0),
]


#: The fields the engine added for the camera and audio work (issues 10-12).
ENGINE_EXAMPLES = [
    Pose(5.5, checks_ok=False, failing=("arms_crossed", "chin_tucked")),
    Pose(5.6, placement_ok=False, identity="unsure"),
    Pop(4.5, source="audio", confidence=0.82),
    Voice(8.0),
    Voice(8.5, words="ouch that pulls"),
]


def test_the_examples_cover_every_kind_of_event():
    assert {e.kind for e in EXAMPLES + ENGINE_EXAMPLES} == set(EVENT_TYPES)


@pytest.mark.parametrize("event", EXAMPLES + ENGINE_EXAMPLES, ids=lambda e: e.kind)
def test_every_event_round_trips_through_json(event):
    raw = to_dict(event)
    assert list(raw)[:2] == ["t", "event"]
    assert from_dict(json.loads(json.dumps(raw))) == event


def test_to_dict_writes_the_start_time_as_iso_and_leaves_out_a_missing_one():
    assert to_dict(Begin(0.0, at=AT)) == {
        "t": 0.0,
        "event": "begin",
        "at": "2026-11-25T12:00:00+00:00",
        "camera": False,
    }
    assert "at" not in to_dict(Begin(0.0))


def test_from_dict_fills_defaults_and_makes_whole_seconds_floats():
    assert from_dict({"event": "stop", "t": 3}) == Stop(3.0, source="button")
    assert isinstance(from_dict({"event": "tick", "t": 3}).t, float)
    assert from_dict({"event": "pose", "t": 1}) == Pose(1.0)


def test_from_dict_takes_an_aware_datetime_as_it_is():
    assert from_dict({"event": "begin", "t": 0, "at": AT}) == Begin(0.0, at=AT)


def test_localised_pain_is_a_sensation_that_halts():
    """The guide: "Acute, sharp, or localized pain immediately halts the activity." """
    assert "localised_pain" in SYMPTOMS
    assert from_dict({"event": "sensation", "t": 1, "sensation": "localised_pain"}) == Sensation(
        1.0, sensation="localised_pain"
    )


def test_zero_speed_and_range_are_accepted_even_as_negative_zero():
    assert from_dict({"event": "pose", "t": 1, "speed_deg_s": -0.0, "range_deg": 0}) == Pose(1.0)


def test_new_fields_at_their_defaults_are_left_out_of_the_stored_form():
    assert to_dict(Pose(1.0)) == {
        "t": 1.0,
        "event": "pose",
        "tracked": True,
        "checks_ok": True,
        "speed_deg_s": 0.0,
        "range_deg": 0.0,
        "sudden": False,
    }
    assert to_dict(Pop(2.0)) == {"t": 2.0, "event": "pop", "source": "reported"}
    assert to_dict(Voice(3.0)) == {"t": 3.0, "event": "voice"}
    assert to_dict(Pose(1.0, failing=("arms_crossed",)))["failing"] == ["arms_crossed"]


REFUSED_ENGINE_FIELDS = [
    ({"event": "pose", "t": 1.0, "failing": "arms_crossed"}, "field 'failing' must be a list"),
    ({"event": "pose", "t": 1.0, "failing": [1]}, "field 'failing' must be a list of check ids"),
    ({"event": "pose", "t": 1.0, "placement_ok": "no"}, "field 'placement_ok' must be true or"),
    (
        {"event": "pose", "t": 1.0, "identity": "assistant"},
        "event 'pose': unknown identity 'assistant'; known: receiver, unsure",
    ),
    (
        {"event": "pop", "t": 1.0, "source": "button"},
        "event 'pop': unknown source 'button'; known: reported, audio",
    ),
    ({"event": "pop", "t": 1.0, "confidence": 1.5}, "'confidence' must be within 0..1, got 1.5"),
    ({"event": "pop", "t": 1.0, "confidence": -0.1}, "field 'confidence' must not be negative"),
    ({"event": "pop", "t": 1.0, "confidence": "high"}, "field 'confidence' must be a number"),
    ({"event": "pop", "t": 1.0, "confidence": math.nan}, "field 'confidence' must be finite"),
    ({"event": "voice", "t": 1.0, "words": 7}, "event 'voice': field 'words' must be text"),
    ({"event": "voice", "t": 1.0, "source": "mic"}, r"unknown field\(s\): source"),
]


@pytest.mark.parametrize(("raw", "message"), REFUSED_ENGINE_FIELDS)
def test_malformed_engine_fields_are_refused_naming_what_is_wrong(raw, message):
    with pytest.raises(EventError, match=message):
        from_dict(raw)


def test_a_pop_confidence_outside_0_to_1_is_refused_when_built():
    with pytest.raises(EventError, match="within 0..1"):
        Pop(1.0, source="audio", confidence=2.0)
    assert Pop(1.0, confidence=None).confidence is None
    assert from_dict({"event": "pop", "t": 1, "confidence": None}) == Pop(1.0)


OWN_POSES = [
    Pose(1.0),
    Pose(2.5, False, False, 0.0, 0.0, True, ("arms_crossed", "chin"), False, "unsure", True, True),
    Pose(3.0, speed_deg_s=-0.0, range_deg=12.5),
    Pose(4, speed_deg_s=3),  # whole numbers: made floats, as the gate makes them
    Pose(5.0, failing=["arms_crossed"]),
    Pose(6.0, speed_deg_s=math.nan),
    Pose(7.0, range_deg=math.inf),
    Pose(8.0, range_deg=-1.0),
    Pose(-1.0),
    Pose(9.0, tracked=1),
    Pose(10.0, identity="assistant"),
    Pose(11.0, failing=(1,)),
]


@pytest.mark.parametrize("pose", OWN_POSES)
def test_a_pose_of_our_own_meets_the_gate_as_the_round_trip_through_it_did(pose):
    """`checked_pose` (issue 15: a live frame's pose without the dict round trip) gives what
    `from_dict(to_dict(pose))` gave, or refuses with the same words."""
    try:
        expected = from_dict(to_dict(pose))
    except EventError as err:
        expected = str(err)
    try:
        got = checked_pose(pose)
    except EventError as err:
        got = str(err)
    assert got == expected
    if isinstance(got, Pose):
        assert [type(getattr(got, f)) for f in vars(got)] == [
            type(getattr(expected, f)) for f in vars(expected)
        ]
