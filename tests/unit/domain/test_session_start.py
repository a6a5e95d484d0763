"""Starting a session (I1), a whole session from welcome to done, attempts and limits (I6).

Timeline (seated hug extension, set up by t=1): attempt k breathes in at 1 + 33(k-1),
its move cue comes 10 s later (11, 44, 77); after the last rest the session completes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from backbuddy.domain import session, wording
from backbuddy.domain.errors import ScreeningBlocked, ScreeningRequired
from backbuddy.domain.events import Begin, Ready, Resistance, Resume
from backbuddy.domain.techniques import Limits

# ── I1: no session without a valid, allowing screening for this technique ───


def begin(technique, result, at):
    state = session.new_session(technique, result)
    return state, session.step(state, Begin(0.0, at=at))


def test_no_screening_refuses_to_begin_and_says_what_to_do(hug, now):
    with pytest.raises(
        ScreeningRequired,
        match=r"no screening for seated_hug_extension in this sitting: "
        r"run `backbuddy screen seated_hug_extension` first",
    ):
        begin(hug, None, now)


def test_a_screening_for_the_other_technique_does_not_count(hug, screen, now):
    with pytest.raises(ScreeningRequired, match="no screening for seated_hug_extension"):
        begin(hug, screen("side_lying_rotation"), now)


def test_an_expired_screening_refuses_to_begin(hug, screen, now):
    result = screen(taken=now, valid_for=timedelta(hours=2))
    with pytest.raises(ScreeningRequired, match=r"has expired \(valid until 14:00\)"):
        begin(hug, result, now + timedelta(hours=2, seconds=1))


def test_a_screening_taken_after_the_session_began_does_not_count(hug, screen, now):
    result = screen(taken=now, valid_for=timedelta(hours=2))
    with pytest.raises(ScreeningRequired, match="taken after this session began"):
        begin(hug, result, now - timedelta(seconds=1))


def test_a_screening_is_good_up_to_the_last_second(hug, screen, now):
    result = screen(taken=now, valid_for=timedelta(hours=2))
    _, (state, _) = begin(hug, result, now + timedelta(hours=2))
    assert state.mode == "setup"


def test_begin_without_a_wall_clock_time_cannot_check_the_screening(hug, screen):
    with pytest.raises(ScreeningRequired):
        begin(hug, screen(), None)


@pytest.mark.parametrize(("outcome", "exit_code"), [("block_refer", 3), ("block_emergency", 4)])
def test_a_blocking_outcome_refuses_with_its_exit_code(hug, screen, now, outcome, exit_code):
    with pytest.raises(ScreeningBlocked) as err:
        begin(hug, screen(outcome=outcome), now)
    assert err.value.outcome == outcome
    assert err.value.exit_code == exit_code
    assert outcome in str(err.value)


def test_a_refused_begin_leaves_the_session_idle(start, now):
    pair = start(outcome="block_refer", begun=False)
    with pytest.raises(ScreeningBlocked):
        pair.send(Begin(0.0, at=now))
    assert pair.mode == "idle"
    assert pair.heard == []


# ── a whole session ──────────────────────────────────────────────────────────


def test_begin_welcomes_says_stop_any_time_disclaims_and_shows_the_first_step(start, hug):
    said = start(setup=False).heard
    assert said.kinds == ["say", "say", "say", "step"]
    assert [c.text for c in said[:3]] == [
        wording.WELCOME,
        wording.STOP_ANY_TIME,
        wording.DISCLAIMER,
    ]
    first = hug.setup[0]
    assert (said[3].step, said[3].receiver, said[3].assistant) == (
        first.id,
        first.receiver.text,
        first.assistant.text,
    )


def test_ready_walks_the_set_up_steps_then_breathes_in(start):
    pair = start(setup=False)
    assert pair.send(Ready(0.5)).kinds == ["step"]
    said = pair.send(Ready(1.0))
    assert said.kinds == ["pace", "say"]
    assert (said[0].step, said[0].phase, said[0].seconds) == ("breathe_in", "in", 4)


def test_one_attempt_is_paced_by_the_breath_and_moves_only_on_the_exhale(start):
    pair = start()
    paces = pair.wait_until(26.0).of("pace")
    assert [(p.t, p.step, p.phase) for p in paces] == [
        (5.0, "mobilise", "out"),
        (9.0, "hold", "gentle"),
        (12.0, "release", "in"),
        (16.0, "rest", "normal"),
        (26.0, "breathe_in", "in"),
    ]
    (move,) = pair.heard.of("move")
    assert (move.t, move.step) == (5.0, "mobilise")
    assert move.text.startswith("Attempt 1 of 3. ")
    assert move.receiver
    assert move.assistant


def test_attempts_are_capped_at_three_then_the_session_completes(start):
    pair = start()
    said = pair.wait_until(200.0)
    moves = said.of("move")
    assert [(m.t, m.text.split(".")[0]) for m in moves] == [
        (5.0, "Attempt 1 of 3"),
        (30.0, "Attempt 2 of 3"),
        (55.0, "Attempt 3 of 3"),
    ]
    assert said.kinds[-3:] == ["say", "aftercare", "done"]
    assert said[-3].text == wording.COMPLETED
    assert (said[-1].t, said[-1].reason) == (76.0, "completed")
    assert pair.state.end_reason == "completed"
    assert pair.state.attempts == 3


def test_attempts_left_and_the_current_phase_follow_the_session(start):
    pair = start(setup=False)
    assert pair.state.phase_id is None
    assert pair.state.attempts_left == 3
    pair.send(Ready(0.5), Ready(1.0))
    pair.to_mobilise()
    assert pair.state.phase_id == "mobilise"
    assert pair.state.attempts_left == 2


def test_the_checks_to_watch_are_the_set_up_steps_then_the_last_steps(start, hug):
    pair = start(setup=False)
    assert pair.state.current_checks() == hug.setup[0].checks
    pair.send(Ready(0.5), Ready(1.0))
    assert pair.state.current_checks() == hug.setup[-1].checks


# ── caution and settings only ever narrow ────────────────────────────────────


def test_caution_says_why_and_allows_two_attempts_with_narrower_limits(start, hug):
    pair = start(outcome="caution")
    assert pair.heard[3].reason == "caution"
    assert pair.heard[3].text == hug.caution.text
    limits = pair.state.limits
    assert limits.attempts == 2
    assert limits.gentle_speed_deg_s == pytest.approx(10 * 0.7)
    assert limits.hard_speed_deg_s == pytest.approx(30 * 0.7)
    assert limits.max_range_deg == pytest.approx(12 * 0.6)
    said = pair.wait_until(200.0)
    assert [m.text.split(".")[0] for m in said.of("move")] == ["Attempt 1 of 2", "Attempt 2 of 2"]
    assert said[-1].reason == "completed"


def limits(**changes):
    base = {
        "gentle_speed_deg_s": 10,
        "hard_speed_deg_s": 30,
        "max_range_deg": 12,
        "attempts": 3,
        "pop_rest_min": 20,
        "speed_halts_to_end": 2,
    }
    return Limits(**{**base, **changes})


def test_looser_settings_do_not_loosen_the_technique(hug):
    looser = limits(
        gentle_speed_deg_s=25,
        hard_speed_deg_s=60,
        max_range_deg=45,
        pop_rest_min=20,
        speed_halts_to_end=3,
    )
    state = session.new_session(hug, None, looser)
    assert state.limits == hug.limits


def test_tighter_settings_tighten_every_limit(hug):
    tighter = limits(
        gentle_speed_deg_s=5,
        hard_speed_deg_s=15,
        max_range_deg=8,
        attempts=1,
        pop_rest_min=60,
        speed_halts_to_end=1,
    )
    assert session.new_session(hug, None, tighter).limits == tighter


def test_settings_and_caution_both_narrow(start):
    pair = start(outcome="caution", limits=limits(hard_speed_deg_s=20, attempts=1))
    assert pair.state.limits.hard_speed_deg_s == pytest.approx(20 * 0.7)
    assert pair.state.limits.attempts == 1
    said = pair.wait_until(60.0)
    assert len(said.of("move")) == 1
    assert said[-1].reason == "completed"


def test_the_cap_holds_even_when_rest_comes_before_the_movement(start, hug):
    """Resume goes to rest; if rest precedes mobilise, the cap is met at mobilise, not phase 0."""
    by_id = {p.id: p for p in hug.phases}
    order = ("breathe_in", "rest", "mobilise", "hold", "release")
    technique = hug.model_copy(update={"phases": tuple(by_id[i] for i in order)})
    pair = start(technique, limits=limits(attempts=1))
    # breathe in 1-5, rest 5-15, the one move at 15
    assert len(pair.wait_until(15.0).of("move")) == 1
    pair.send(Resistance(16.0), Resume(17.0))
    # rest 17-27, then mobilise again at 27: the cap ends the session instead
    said = pair.wait_until(30.0)
    assert said.of("move") == []
    assert said.kinds[-3:] == ["say", "aftercare", "done"]
    assert (said[-1].t, said[-1].reason) == (27.0, "completed")
