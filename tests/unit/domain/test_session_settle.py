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
