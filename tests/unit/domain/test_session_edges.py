"""Edge cases found by review: late ticks, missing phases, pops in set-up, late symptoms."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backbuddy.domain.errors import ScreeningRequired
from backbuddy.domain.events import Begin, Pop, Sensation, Stop, Tick
from backbuddy.domain.techniques import Technique


def test_a_late_tick_gives_no_move_cue_the_camera_never_saw(start):
    pair = start(camera=True)
    pair.wait_until(4.9)  # last frame at 4.9; then nothing until t=20
    said = pair.send(Tick(20.0))
    assert said.of("move") == []
    assert said.kinds[-1] == "pause"
    assert said[-1].reason == "late"
    assert said[-1].t == 20.0  # judged now, not at the phase's start in the past


def test_a_late_tick_without_camera_also_withholds_the_move(start):
    pair = start()
    said = pair.send(Tick(20.0))
    assert said.of("move") == []
    assert said[-1].reason == "late"


def test_a_technique_without_a_rest_phase_is_refused_when_loaded(hug):
    data = hug.model_dump()
    data["phases"] = [p for p in data["phases"] if p["id"] != "rest"]
    with pytest.raises(ValidationError, match="exactly one 'rest' phase"):
        Technique.model_validate(data)


@pytest.mark.parametrize("begun", [False, True])
def test_a_pop_before_the_attempts_ends_the_session_and_rests_the_region(start, begun):
    pair = start(begun=begun, setup=False)  # idle, or in set-up
    said = pair.send(Pop(1.5))
    assert said[-1].kind == "done"
    assert said[-1].reason == "pop"
    assert pair.mode == "ended"


def test_a_symptom_felt_after_the_end_is_recorded_as_a_symptom_halt(start):
    pair = start()
    pair.send(Stop(2.0))
    pair.send(Pop(3.0))
    assert pair.state.end_reason == "pop"
    said = pair.send(Sensation(60.0, sensation="numbness"))
    assert said.kinds[0] == "halt"
    assert "refer" in said.kinds
    assert pair.state.end_reason == "symptom"


@pytest.mark.parametrize("mode_after", ["paused", "halted", "ended"])
def test_discomfort_at_rest_is_answered(start, mode_after):
    pair = start()
    if mode_after == "paused":
        pair.send(Sensation(2.0, sensation="discomfort"))
    elif mode_after == "halted":
        pair.send(Stop(2.0))
    else:
        pair.send(Pop(2.0))
    said = pair.send(Sensation(3.0, sensation="discomfort"))
    assert said.kinds == ["say"]
    assert "doesn't ease" in said[0].text


def test_begin_without_a_start_time_says_so(start):
    pair = start(begun=False)
    with pytest.raises(ScreeningRequired, match="needs its wall-clock start"):
        pair.send(Begin(0.0))
