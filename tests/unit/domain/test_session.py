"""The session engine by example: stops, symptoms, sensations, pauses, pops, resuming.

Each test is a short script: events in, the kinds of cue the pair hears out.
Timeline (seated hug extension, set up by t=1): breathe in 1-5 s, mobilise 5-9
(move cue at 5, on the exhale), hold 9-12, release 12-16, rest 16-26.
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
    said = pair.send(Stop(6.0))
    assert said.kinds == heard
    assert said[0].reason == "stop:button"
    assert said[1].text == wording.RELEASE
    assert pair.mode == then


@pytest.mark.parametrize("source", STOP_SOURCES)
def test_every_stop_source_halts_and_is_named_in_the_reason(start, source):
    pair = start()
    pair.to_mobilise()
    said = pair.send(Stop(6.0, source=source))
    assert said.kinds == ["halt", "say"]
    assert said[0].reason == f"stop:{source}"


def test_after_a_plain_stop_nothing_moves_until_the_pair_resumes(start):
    pair = start()
    pair.to_mobilise()
    pair.send(Stop(6.0))
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
    said = pair.send(Sensation(6.0, symptom))
    refers = ["refer"] * len(REFERRAL[symptom])
    assert said.kinds == ["halt", "say", *refers, "aftercare", "done"]
    assert said[0].reason == f"symptom:{symptom}"
    assert [c.text for c in said.of("refer")] == REFERRAL[symptom]
    assert all(c.reason == f"symptom:{symptom}" for c in said.of("refer"))
    assert said[-1].reason == "symptom"
    assert pair.mode == "ended"
    assert pair.state.symptom


@pytest.mark.parametrize("symptom", sorted(SYMPTOMS))
@pytest.mark.parametrize("mode", ["attempt", "ended"])
def test_after_a_symptom_the_aftercare_is_the_referral_only(reach, symptom, mode):
    """Issue 11: never "mild soreness is common" after a symptom; only the referral."""
    pair = reach(mode)
    said = pair.send(Sensation(6.0, symptom))
    (aftercare,) = said.of("aftercare")
    referral = REFERRAL[symptom][-1]
    assert wording.AFTERCARE not in said.text()
    assert "Mild soreness" not in said.text()
    assert aftercare.text.endswith(referral)
    assert aftercare.reason == f"symptom:{symptom}"


@pytest.mark.parametrize("symptom", sorted(SYMPTOMS))
def test_only_after_dizziness_the_aftercare_says_sit_or_lie_down_supported(start, symptom):
    said = start().send(Sensation(2.0, symptom))
    (aftercare,) = said.of("aftercare")
    if symptom == "dizziness":
        assert aftercare.text == f"{wording.SUPPORTED} {wording.REFER_SYMPTOM}"
        assert "sit or lie down, supported" in aftercare.text.lower()
    else:
        assert "supported" not in aftercare.text
        assert aftercare.text == REFERRAL[symptom][-1]


def test_a_session_that_ends_without_a_symptom_keeps_the_soreness_aftercare(start):
    said = start().send(End(2.0))
    assert [c.text for c in said.of("aftercare")] == [wording.AFTERCARE]


@pytest.mark.parametrize("symptom", sorted(SYMPTOMS))
def test_only_chest_pain_and_dizziness_say_call_emergency_services(start, symptom):
    said = start().send(Sensation(2.0, symptom))
    says_emergency = "call emergency services now" in said.text()
    assert says_emergency == (symptom in ("chest_pain", "dizziness"))


@pytest.mark.parametrize("symptom", sorted(SYMPTOMS))
def test_after_a_symptom_there_is_never_another_movement(start, symptom):
    pair = start()
    pair.to_mobilise()
    pair.send(Sensation(6.0, symptom))
    later = pair.wait_until(120.0)
    later += pair.send(Pose(121.0), Resistance(122.0), Pop(123.0), End(124.0))
    assert later.kinds == ["say"]  # the pop: the region rests
    assert later[0].reason == "pop"
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
    said = pair.send(Sensation(6.0, "sharp_pain"))
    assert said.kinds == heard
    assert pair.mode == "ended"
    assert pair.state.symptom


# ── other sensations ─────────────────────────────────────────────────────────


def test_discomfort_pauses_with_a_back_off_cue(start):
    pair = start()
    pair.to_mobilise()
    said = pair.send(Sensation(6.0, "discomfort"))
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
    said = pair.send(Sensation(6.0, "discomfort"))
    assert said.kinds == ["say"]
    assert pair.mode == mode


def test_a_comfortable_stretch_is_acknowledged_and_changes_nothing(start):
    pair = start()
    pair.to_mobilise()
    said = pair.send(Sensation(6.0, "comfortable_stretch"))
    assert said.kinds == ["say"]
    assert pair.mode == "attempt"
    assert pair.state.phase_id == "mobilise"


# ── resistance, pop, end ─────────────────────────────────────────────────────


def test_resistance_pauses_and_holds(start):
    pair = start()
    pair.to_mobilise()
    said = pair.send(Resistance(6.0))
    assert said.kinds == ["pause"]
    assert said[0].reason == "resistance"
    assert said[0].text == wording.RESISTANCE
    assert pair.send(Resistance(6.5)) == []
    assert pair.wait_until(60.0) == []
    assert pair.mode == "paused"


@pytest.mark.parametrize("mode", ["attempt", "paused", "halted"])
def test_a_pop_ends_the_session_saying_it_is_not_the_goal(reach, mode):
    pair = reach(mode)
    said = pair.send(Pop(6.0))
    assert said.kinds == ["say", "say", "aftercare", "done"]
    assert said[0].text == wording.RELEASE
    assert said[1].reason == "pop"
    assert "isn't the goal" in said[1].text
    assert "at least 20 minutes" in said[1].text
    assert said[-1].reason == "pop"
    assert pair.state.end_reason == "pop"
    assert pair.state.popped_at == 6.0
    assert pair.wait_until(120.0) == []


@pytest.mark.parametrize("ended_by", [End(6.0), Stop(6.0), Sensation(6.0, "numbness")])
def test_a_pop_after_the_end_still_rests_the_region(start, ended_by):
    """Issue 11 item 2 (I6): a pop in any mode, even after the end, starts the 20-min rest."""
    pair = start()
    pair.to_mobilise()
    pair.send(ended_by, End(6.1))
    assert pair.mode == "ended"
    reason = pair.state.end_reason
    said = pair.send(Pop(30.0, source="audio", confidence=0.9))
    assert said.kinds == ["say"]
    assert said[0].text == wording.POP
    assert said[0].reason == "pop"
    assert pair.state.popped_at == 30.0
    assert pair.state.end_reason == reason  # how it ended does not change; the pop is kept
    assert pair.send(Pop(40.0)).kinds == ["say"]
    assert pair.state.popped_at == 40.0  # the rest runs from the latest pop


def test_a_pop_after_a_completed_session_is_recorded(start):
    pair = start()
    pair.wait_until(100.0)
    assert pair.state.end_reason == "completed"
    assert pair.send(Pop(101.0)).kinds == ["say"]
    assert pair.state.popped_at == 101.0


def test_end_releases_gives_aftercare_and_ends(start):
    pair = start()
    pair.to_mobilise()
    said = pair.send(End(6.0))
    assert said.kinds == ["say", "aftercare", "done"]
    assert said[-1].reason == "ended_by_pair"
    assert pair.send(End(13.0)) == []


# ── resume ───────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("hold", [Resistance(6.0), Stop(6.0), Sensation(6.0, "discomfort")])
def test_resume_in_an_attempt_rests_then_starts_a_new_attempt(start, hold):
    pair = start()
    pair.to_mobilise()
    pair.send(hold)
    said = pair.send(Resume(7.0))
    assert said.kinds == ["say", "pace", "say"]
    assert said[0].text == wording.RESUMED
    assert (said[1].step, said[1].seconds) == ("rest", 10)
    # rest 7-17, breathe in 17-21, mobilise at 21
    moves = pair.wait_until(21.0).of("move")
    assert [m.text.split(".")[0] for m in moves] == ["Attempt 2 of 3"]
    assert moves[0].t == 21.0


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
