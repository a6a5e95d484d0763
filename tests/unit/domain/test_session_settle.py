"""The settle after the assistant's new hold, by example (seated hug, `hold_settle_s` 1.5 s):
her arms first on his body (`Pose.covered` rising), the attempt waits while the pose model's
landmarks of her jolt (docs/accuracy.md "The settle after his hold"). Timeline as in
test_session_gates.py: set up by t=1, breathe in 1-5, move at 5, rest 16-26."""

from __future__ import annotations

import pytest

from backbuddy.domain import wording
from backbuddy.domain.events import Pose, Ready


def test_ready_as_he_takes_hold_is_refused_with_its_words_until_the_settle_is_over(start):
    pair = start(camera=True, setup=False)
    pair.send(*(Pose(round(k / 20, 4)) for k in range(21)))  # step 1 confirmed by the camera
    pair.wait_until(1.2, Pose(0))
    pair.wait_until(2.0, Pose(0, covered=True))  # he holds her from the frame at t=1.25
    said = pair.send(Ready(2.0))
    assert [(c.reason, c.text) for c in said] == [("not_ready:settling", wording.SETTLING)]
    assert pair.mode == "setup"
    pair.wait_until(2.7, Pose(0, covered=True))
    assert pair.send(Ready(2.7)).reasons == ["not_ready:settling"]  # 1.45 s after: not yet
    pair.wait_until(2.8, Pose(0, covered=True))
    said = pair.send(Ready(2.8))  # 1.55 s after
    assert pair.mode == "attempt"
    assert said.of("pace")[0].step == "breathe_in"


def test_a_new_hold_late_in_the_rest_makes_the_rest_last_until_the_settle_is_over(start, hug):
    pair = start(camera=True)
    pair.to_mobilise()
    pair.wait_until(25.0)  # he let go in the rest
    said = pair.wait_until(26.0, Pose(0, covered=True))  # and takes hold again at 25.05
    assert said.reasons.count("settling") == 1  # said once
    assert said.of("pace") == []  # the rest goes on past 26
    said = pair.wait_until(27.0, Pose(0, covered=True))
    paced = said.of("pace")
    assert paced[0].step == "breathe_in"
    assert paced[0].t == pytest.approx(25.05 + hug.hold_settle_s)


def test_a_hold_kept_through_the_rest_changes_nothing(start):
    pair = start(camera=True)
    pair.wait_until(4.0, Pose(0, covered=True))  # he took hold in the breath-in: 1.05
    said = pair.wait_until(26.5, Pose(0, covered=True))
    assert said.of("move")  # at 5: 3.95 s after the rise
    assert "settling" not in said.reasons
    assert [c.t for c in said.of("pace") if c.step == "breathe_in"] == [26.0]


# ── A Ready before his hold (session 18): where the camera sees the hold (`sees_hold`), the
# step where he takes hold waits for one seen; docs/accuracy.md "A Ready before his hold".


def set_up_alone(pair) -> None:
    """Step 1 confirmed by the camera (t=1), the receiver alone and still to t=1.2."""
    pair.send(*(Pose(round(k / 20, 4)) for k in range(21)))
    pair.wait_until(1.2, Pose(0))


def test_a_ready_before_his_hold_asks_him_to_take_hold_then_waits_out_the_settle(start, hug):
    pair = start(camera=True, setup=False, sees_hold=True)
    set_up_alone(pair)
    said = pair.send(Ready(1.2))  # he is not holding her yet: the attempt would meet the jolt
    assert [(c.reason, c.text) for c in said] == [
        ("not_ready:hold", wording.hold_first(hug.hold_wait_s))
    ]
    assert "crossed forearms or wrists" in said[0].text  # the guide's hold
    assert pair.mode == "setup"
    pair.wait_until(2.0, Pose(0, covered=True))  # he holds her from the frame at t=1.25
    assert pair.send(Ready(2.0)).reasons == ["not_ready:settling"]
    pair.wait_until(2.8, Pose(0, covered=True))
    said = pair.send(Ready(2.8))  # 1.55 s after his hold
    assert pair.mode == "attempt"
    assert said.of("pace")[0].step == "breathe_in"


def test_a_hold_let_go_before_the_press_is_asked_for_again(start):
    pair = start(camera=True, setup=False, sees_hold=True)
    set_up_alone(pair)
    pair.wait_until(3.0, Pose(0, covered=True))  # held from 1.25, settled by 2.75…
    pair.wait_until(3.5, Pose(0))  # …and let go
    assert pair.send(Ready(3.5)).reasons == ["not_ready:hold"]
    assert pair.mode == "setup"


def test_where_his_hold_is_never_seen_the_step_goes_on_after_the_wait_and_a_settle(start, hug):
    pair = start(camera=True, setup=False, sees_hold=True)
    set_up_alone(pair)
    assert pair.send(Ready(1.2)).reasons == ["not_ready:hold"]
    asked_until = 1.2 + hug.hold_wait_s
    pair.wait_until(asked_until - 0.1, Pose(0))
    assert pair.send(Ready(pair.t)).reasons == ["not_ready:hold"]  # still asked
    pair.wait_until(asked_until + 0.1, Pose(0))
    said = pair.send(Ready(pair.t))  # the settle starts at this press, as a hold's would
    assert [(c.reason, c.text) for c in said] == [("not_ready:hold_unseen", wording.HOLD_UNSEEN)]
    pressed = pair.t
    pair.wait_until(pressed + 1.4, Pose(0))
    assert pair.send(Ready(pair.t)).reasons == ["not_ready:settling"]
    pair.wait_until(pressed + hug.hold_settle_s + 0.1, Pose(0))
    pair.send(Ready(pair.t))
    assert pair.mode == "attempt"


def test_a_pair_pressing_again_when_the_words_say_goes_on_without_a_hold_seen(start, hug):
    """The refusal says how long is left of the wait (whole seconds, rounded up), not the whole
    wait again: before session 21 a press 2 s after the first was told "in 5 seconds", and a
    pair that waited that long pressed 2 s later than needed."""
    pair = start(camera=True, setup=False, sees_hold=True)
    set_up_alone(pair)
    assert pair.send(Ready(1.2)).of("say")[0].text == wording.hold_first(hug.hold_wait_s)
    pair.wait_until(3.2, Pose(0))
    said = pair.send(Ready(3.2))  # 2 s into the 5 s wait
    assert said.of("say")[0].text == wording.hold_first(3.0)
    assert "press Ready again in 3 seconds" in said.of("say")[0].text
    pair.wait_until(6.2, Pose(0))  # as told: 3 s later
    assert pair.send(Ready(6.2)).reasons == ["not_ready:hold_unseen"]


def test_going_on_without_a_hold_seen_asks_him_to_take_hold_now(start):
    """From the go-on press nothing tells the camera when he takes hold; the jolt of a hold taken
    after the next press halts the attempt (tests/unit/tools/test_arrival_engine.py), so the
    words ask him to hold before anyone presses Ready again."""
    pair = start(camera=True, setup=False, sees_hold=True)
    set_up_alone(pair)
    pair.send(Ready(1.2))
    pair.wait_until(6.3, Pose(0))
    said = pair.send(Ready(6.3))
    assert said.reasons == ["not_ready:hold_unseen"]
    assert "take hold now" in said.of("say")[0].text
    assert "before anyone presses Ready" in said.of("say")[0].text


def test_a_camera_that_does_not_see_holds_takes_the_ready_as_before(start):
    pair = start(camera=True, setup=False)  # one-person estimator: no covered flags at all
    set_up_alone(pair)
    pair.send(Ready(1.2))
    assert pair.mode == "attempt"


def test_a_technique_without_a_settle_never_asks_for_the_hold(start):
    pair = start("side_lying_rotation", camera=True, setup=False, sees_hold=True)
    set_up_alone(pair)
    assert pair.state.technique.setup[pair.state.setup_index].hands_on  # his step
    pair.send(Ready(1.2))
    assert pair.mode == "attempt"


# ── A hold taken after the go-on Ready (session 23): the jolt of his late grip halts as a jerk
# (kept: docs/accuracy.md "A hold taken after the go-on Ready"); the halt's words name it.


def gone_on_without_a_hold_seen(pair, hug) -> float:
    """Asked for his hold at 1.2, gone on without one at 6.3, the settle waited out: the attempt
    is taken; returns its time."""
    set_up_alone(pair)
    pair.send(Ready(1.2))
    pair.wait_until(6.3, Pose(0))
    assert pair.send(Ready(6.3)).reasons == ["not_ready:hold_unseen"]
    pair.wait_until(6.3 + hug.hold_settle_s + 0.1, Pose(0))
    pair.send(Ready(pair.t))
    assert pair.mode == "attempt"
    return pair.t


def test_a_jolt_after_going_on_without_a_hold_seen_halts_and_its_words_name_his_late_hold(
    start, hug
):
    pair = start(camera=True, setup=False, sees_hold=True)
    taken = gone_on_without_a_hold_seen(pair, hug)
    pair.wait_until(taken + 0.5, Pose(0))  # the breath-in: his hands meant to be on
    said = pair.send(Pose(round(pair.t + 0.05, 6), sudden=True))  # he takes hold only now
    assert [(c.kind, c.reason) for c in said] == [("halt", "sudden"), ("say", None)]
    assert said[0].text == f"{wording.SPEED_HALT} {wording.LATE_HOLD}"
    assert "take hold first, then press Ready" in said[0].text
    # the halt itself as ever: halted, its reason kept, counted toward the end of the session
    assert (pair.mode, pair.state.paused_for, pair.state.speed_halts) == ("halted", "sudden", 1)


@pytest.mark.parametrize("seen", ["before the go-on", "after the go-on"])
def test_a_speed_halt_after_a_hold_seen_keeps_the_plain_words(start, hug, seen):
    pair = start(camera=True, setup=False, sees_hold=True)
    if seen == "before the go-on":  # he holds from 1.25, seen; the Ready is taken at 2.8
        set_up_alone(pair)
        pair.send(Ready(1.2))
        pair.wait_until(2.8, Pose(0, covered=True))
        pair.send(Ready(2.8))
        assert pair.mode == "attempt"
    else:  # gone on without one, then a covered pose in the attempt: the jolt is not his grip
        gone_on_without_a_hold_seen(pair, hug)
        pair.wait_until(pair.t + 0.2, Pose(0, covered=True))
    said = pair.send(Pose(round(pair.t + 0.05, 6), sudden=True, covered=True))
    assert [(c.kind, c.reason, c.text) for c in said[:1]] == [
        ("halt", "sudden", wording.SPEED_HALT)
    ]
    assert pair.state.speed_halts == 1
