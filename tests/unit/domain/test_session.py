"""The session engine by example: stops, symptoms, sensations, pauses, pops, resuming.

Each test is a short script: events in, the kinds of cue the pair hears out.
Timeline (seated hug extension, set up by t=1): breathe in 1-6 s, exhale 6-11,
mobilise 11-16 (move cue at 11), hold 16-19, release 19-24, rest 24-34.
Camera mode, speed and range: test_session_camera.py. Starting, attempts and
limits: test_session_start.py. Refusals and the table: test_session_table.py.
"""

from __future__ import annotations

import pytest

from backbuddy.domain import wording
from backbuddy.domain.errors import TransitionNotAllowed
from backbuddy.domain.events import (
    STOP_SOURCES,
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
)

# ── I2: STOP halts first, from every mode ────────────────────────────────────


@pytest.mark.parametrize(
    ("mode", "heard", "then"),
    [
        ("idle", ["halt", "say", "done"], "ended"),
        ("setup", ["halt", "say"], "halted"),
        ("attempt", ["halt", "say"], "halted"),
        ("paused", ["halt", "say"], "halted"),
        ("halted", ["halt", "say"], "halted"),
        ("ended", ["halt", "say"], "ended"),
    ],
)
def test_stop_from_every_mode_halts_first(reach, mode, heard, then):
    pair = reach(mode)
    said = pair.send(Stop(12.0))
    assert said.kinds == heard
    assert said[0].reason == "stop:button"
    assert said[1].text == wording.RELEASE
    assert pair.mode == then


@pytest.mark.parametrize("source", STOP_SOURCES)
def test_every_stop_source_halts_and_is_named_in_the_reason(start, source):
    pair = start()
    pair.to_mobilise()
    said = pair.send(Stop(12.0, source=source))
    assert said.kinds == ["halt", "say"]
    assert said[0].reason == f"stop:{source}"


def test_after_a_plain_stop_nothing_moves_until_the_pair_resumes(start):
    pair = start()
    pair.to_mobilise()
    pair.send(Stop(12.0))
    assert pair.wait_until(60.0) == []
    assert pair.mode == "halted"


def test_a_stop_before_beginning_ends_the_session(start):
    pair = start(begun=False)
    pair.send(Stop(0.0))
    assert pair.state.end_reason == "stopped"
    with pytest.raises(TransitionNotAllowed):
        pair.send(Begin(1.0))


# ── I2: a symptom halts for good, refers, gives aftercare ────────────────────

REFERRAL = {
    "sharp_pain": [wording.REFER_SYMPTOM],
    "localised_pain": [wording.REFER_SYMPTOM],
    "numbness": [wording.REFER_URGENT],
    "tingling": [wording.REFER_URGENT],
    "weakness": [wording.REFER_URGENT],
    "dizziness": [wording.EMERGENCY, wording.REFER_SYMPTOM],
    "chest_pain": [wording.EMERGENCY, wording.REFER_SYMPTOM],
}


def test_the_referral_table_covers_every_symptom():
    assert set(REFERRAL) == SYMPTOMS


@pytest.mark.parametrize("symptom", sorted(SYMPTOMS))
def test_a_symptom_halts_refers_gives_aftercare_and_ends(start, symptom):
    pair = start()
    pair.to_mobilise()
    said = pair.send(Sensation(12.0, symptom))
    refers = ["refer"] * len(REFERRAL[symptom])
    assert said.kinds == ["halt", "say", *refers, "aftercare", "done"]
    assert said[0].reason == f"symptom:{symptom}"
    assert [c.text for c in said.of("refer")] == REFERRAL[symptom]
    assert all(c.reason == f"symptom:{symptom}" for c in said.of("refer"))
    assert said[-1].reason == "symptom"
    assert pair.mode == "ended"
    assert pair.state.symptom


@pytest.mark.parametrize("symptom", sorted(SYMPTOMS))
def test_only_chest_pain_and_dizziness_say_call_emergency_services(start, symptom):
    said = start().send(Sensation(2.0, symptom))
    says_emergency = "call emergency services now" in said.text()
    assert says_emergency == (symptom in ("chest_pain", "dizziness"))


@pytest.mark.parametrize("symptom", sorted(SYMPTOMS))
def test_after_a_symptom_there_is_never_another_movement(start, symptom):
    pair = start()
    pair.to_mobilise()
    pair.send(Sensation(12.0, symptom))
    later = pair.wait_until(120.0)
    later += pair.send(Pose(121.0), Resistance(122.0), Pop(123.0), End(124.0))
    assert later == []
    with pytest.raises(TransitionNotAllowed, match="can't resume when the session is ended"):
        pair.send(Resume(125.0))


@pytest.mark.parametrize(
    ("mode", "heard"),
    [
        ("idle", ["halt", "say", "refer", "aftercare", "done"]),
        ("setup", ["halt", "say", "refer", "aftercare", "done"]),
        ("attempt", ["halt", "say", "refer", "aftercare", "done"]),
        ("paused", ["halt", "say", "refer", "aftercare", "done"]),
        ("halted", ["halt", "say", "refer", "aftercare", "done"]),
        ("ended", ["halt", "say", "refer", "aftercare"]),
    ],
)
def test_a_symptom_halts_first_from_every_mode(reach, mode, heard):
    pair = reach(mode)
    said = pair.send(Sensation(12.0, "sharp_pain"))
    assert said.kinds == heard
    assert pair.mode == "ended"
    assert pair.state.symptom


# ── other sensations ─────────────────────────────────────────────────────────


def test_discomfort_pauses_with_a_back_off_cue(start):
    pair = start()
    pair.to_mobilise()
    said = pair.send(Sensation(12.0, "discomfort"))
    assert said.kinds == ["pause"]
    assert said[0].reason == "discomfort"
    assert said[0].text == wording.DISCOMFORT
    assert "Ease off gently" in said[0].text
    assert pair.mode == "paused"
    assert pair.wait_until(60.0) == []


def test_discomfort_during_set_up_pauses_and_resumes_to_set_up(start):
    pair = start(setup=False)
    said = pair.send(Sensation(0.2, "discomfort"))
    assert said.kinds == ["pause"]
    assert pair.state.resume_to == "setup"


@pytest.mark.parametrize("mode", ["idle", "paused", "halted", "ended"])
def test_discomfort_when_nothing_is_moving_is_answered_without_a_new_pause(reach, mode):
    """Nothing to ease off from: the pause (or stop) already holds; the pair hears to rest."""
    pair = reach(mode)
    said = pair.send(Sensation(12.0, "discomfort"))
    assert said.kinds == ["say"]
    assert pair.mode == mode


def test_a_comfortable_stretch_is_acknowledged_and_changes_nothing(start):
    pair = start()
    pair.to_mobilise()
    said = pair.send(Sensation(12.0, "comfortable_stretch"))
    assert said.kinds == ["say"]
    assert pair.mode == "attempt"
    assert pair.state.phase_id == "mobilise"


# ── resistance, pop, end ─────────────────────────────────────────────────────


def test_resistance_pauses_and_holds(start):
    pair = start()
    pair.to_mobilise()
    said = pair.send(Resistance(12.0))
    assert said.kinds == ["pause"]
    assert said[0].reason == "resistance"
    assert said[0].text == wording.RESISTANCE
    assert pair.send(Resistance(12.5)) == []
    assert pair.wait_until(60.0) == []
    assert pair.mode == "paused"


@pytest.mark.parametrize("mode", ["attempt", "paused", "halted"])
def test_a_pop_ends_the_session_saying_it_is_not_the_goal(reach, mode):
    pair = reach(mode)
    said = pair.send(Pop(12.0))
    assert said.kinds == ["say", "say", "aftercare", "done"]
    assert said[0].text == wording.RELEASE
    assert said[1].reason == "pop"
    assert "isn't the goal" in said[1].text
    assert "at least 20 minutes" in said[1].text
    assert said[-1].reason == "pop"
    assert pair.state.end_reason == "pop"
    assert pair.wait_until(120.0) == []
    assert pair.send(Pop(121.0)) == []


def test_end_releases_gives_aftercare_and_ends(start):
    pair = start()
    pair.to_mobilise()
    said = pair.send(End(12.0))
    assert said.kinds == ["say", "aftercare", "done"]
    assert said[-1].reason == "ended_by_pair"
    assert pair.send(End(13.0)) == []


# ── resume ───────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("hold", [Resistance(12.0), Stop(12.0), Sensation(12.0, "discomfort")])
def test_resume_in_an_attempt_rests_then_starts_a_new_attempt(start, hold):
    pair = start()
    pair.to_mobilise()
    pair.send(hold)
    said = pair.send(Resume(13.0))
    assert said.kinds == ["say", "pace", "say"]
    assert said[0].text == wording.RESUMED
    assert (said[1].step, said[1].seconds) == ("rest", 10)
    # rest 13-23, breathe in 23-28, exhale 28-33, mobilise at 33
    moves = pair.wait_until(33.0).of("move")
    assert [m.text.split(".")[0] for m in moves] == ["Attempt 2 of 3"]
    assert moves[0].t == 33.0


def test_resume_after_a_stop_in_set_up_goes_back_to_the_same_set_up_step(start):
    pair = start(setup=False)
    pair.send(Ready(0.5))
    pair.send(Stop(0.8))
    said = pair.send(Resume(2.0))
    assert said.kinds == ["say", "step"]
    assert said[1].step == "assistant_position"
    assert pair.mode == "setup"


def test_a_stop_while_paused_keeps_where_resume_returns_to(start):
    pair = start(setup=False)
    pair.send(Sensation(0.2, "discomfort"), Stop(0.3))
    assert pair.mode == "halted"
    assert pair.send(Resume(1.0)).kinds == ["say", "step"]
    assert pair.mode == "setup"
