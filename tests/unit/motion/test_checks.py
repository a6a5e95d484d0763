"""Posture checks: status per frame, the measured value, and words for the pair."""

from __future__ import annotations

import numpy as np
import pytest
from tests.fixtures import poses

from backbuddy.domain.techniques import Technique
from backbuddy.motion import checks
from backbuddy.motion.checks import HIGH, LOW, NOT_VISIBLE, PASS


def test_status_per_frame(hug: Technique) -> None:
    check = hug.check("sitting_upright")
    status = checks.status_of(check, np.array([-20.0, 0.0, 27.0, 28.0, np.nan]))
    assert status.tolist() == [LOW, PASS, PASS, HIGH, NOT_VISIBLE]


def test_the_messages_say_what_to_do_and_show_the_numbers(lying: Technique) -> None:
    check = lying.check("top_knee_at_90")
    assert checks.describe(check, 62.0, "low") == (
        "Bring your top knee a little higher, toward your chest. (now 62°, aim 70–110°)"
    )
    assert checks.describe(check, 95.0, "pass").startswith("Top knee pulled up")
    assert "cannot see" in checks.describe(check, float("nan"), "not_visible")


def test_ratio_checks_show_two_decimals(hug: Technique) -> None:
    message = checks.describe(hug.check("arms_crossed"), 1.834, "high")
    assert message.endswith("(now 1.83, aim 0.00–1.20)")


def test_a_correct_seated_hug_passes_every_check(hug: Technique) -> None:
    lm = poses.seated_hug(np.zeros(30))
    traces = checks.evaluate(hug, lm)
    for trace in traces.values():
        assert trace.passed.all(), trace.at(0).message


def test_arms_hanging_fail_with_the_hint(hug: Technique) -> None:
    lm = poses.seated_hug(np.zeros(10), arms="hanging")
    result = checks.evaluate(hug, lm)["arms_crossed"].at(0)
    assert result.status == "high"
    assert not result.passed
    assert result.message.startswith("Cross your arms over your chest")


@pytest.mark.parametrize(
    ("kwargs", "failing"),
    [
        ({}, set()),
        ({"top_hip_flex": 50.0}, {"top_knee_at_90"}),
        ({"bottom_knee_flex": 60.0}, {"bottom_leg_straight"}),
    ],
)
def test_side_lying_set_up(lying: Technique, kwargs: dict[str, float], failing: set[str]) -> None:
    lm = poses.side_lying(np.zeros(20), **kwargs)
    traces = checks.evaluate(lying, lm)
    assert {cid for cid, t in traces.items() if not t.passed.all()} == failing


def test_hidden_landmarks_read_not_visible(hug: Technique) -> None:
    lm = poses.drop(poses.seated_hug(np.zeros(5)), slice(0, 5))
    result = checks.evaluate(hug, lm)["sitting_upright"].at(0)
    assert result.status == "not_visible"
    assert result.value is None


def test_all_pass_combines_checks(hug: Technique) -> None:
    lm = poses.seated_hug(np.zeros(5), arms="hanging")
    traces = checks.evaluate(hug, lm)
    passed, visible = checks.all_pass(traces, ("sitting_upright", "arms_crossed"))
    assert not passed.any()
    assert visible.all()
    passed, _ = checks.all_pass(traces, ("sitting_upright",))
    assert passed.all()
    assert checks.all_pass(traces, ())[0].all()


def test_precomputed_measures_are_used(hug: Technique) -> None:
    traces = checks.evaluate(
        hug, measures={"trunk_lean_deg": np.array([40.0])}, check_ids=["sitting_upright"]
    )
    assert traces["sitting_upright"].at(0).status == "high"


def _held(hug: Technique, lm, memory=None, ids=("sitting_upright", "arms_crossed")):
    traces = checks.evaluate(hug, lm)
    return checks.held_pass(traces, ids, lm.t, lm.detected, memory)


def test_a_check_hidden_by_the_assistant_keeps_its_last_verdict(hug: Technique) -> None:
    lm = poses.seated_hug(np.zeros(90))
    image = lm.image.copy()
    image[30:, [15, 16], 3] = 0.1  # both wrists covered from 1 s on
    lm = type(lm)(image, lm.world, lm.t, lm.size)
    held, fresh, _ = _held(hug, lm)
    assert held.all()
    assert fresh[:30].all()
    assert not fresh[30:].any()


def test_a_visible_failure_is_not_hidden_by_another_check_being_hidden(hug: Technique) -> None:
    lm = poses.seated_hug(np.full(30, 40.0))  # leaning back 42°: not upright
    image = lm.image.copy()
    image[:, [15, 16], 3] = 0.1
    held, _, _ = _held(hug, type(lm)(image, lm.world, lm.t, lm.size))
    assert not held.any()


def test_a_check_hidden_too_long_or_never_seen_does_not_pass(hug: Technique) -> None:
    lm = poses.seated_hug(np.zeros(30))
    _, _, memory = _held(hug, lm)
    later = type(lm)(lm.image, lm.world, lm.t + checks.HOLD_HIDDEN_S + 1.0, lm.size)
    image = later.image.copy()
    image[:, [15, 16], 3] = 0.1
    hidden = type(lm)(image, later.world, later.t, later.size)
    assert not _held(hug, hidden, memory)[0].any()
    assert not _held(hug, hidden)[0].any()  # never seen at all


def test_one_frame_at_a_time_holds_exactly_as_the_whole_sequence(hug: Technique) -> None:
    """The live camera's one-frame path gives the whole sequence's verdicts and memory: checks
    passing, failing, hidden (held, then hidden too long) and the receiver out of view."""
    lm = poses.seated_hug(np.concatenate([np.zeros(60), np.full(30, 40.0), np.zeros(60)]))
    image = lm.image.copy()
    image[20:40, [15, 16], 3] = 0.1  # wrists covered
    image[100:, [15, 16], 3] = 0.1  # covered again, past HOLD_HIDDEN_S with the late times
    t = lm.t + np.where(np.arange(lm.t.size) >= 120, checks.HOLD_HIDDEN_S, 0.0)
    lm = type(lm)(image, lm.world, t, lm.size)
    person = lm.detected.copy()
    person[70:75] = False
    ids = ("sitting_upright", "arms_crossed")
    traces = checks.evaluate(hug, lm)
    held, fresh, memory = checks.held_pass(traces, ids, lm.t, person)
    one_memory, one_held, one_fresh = None, [], []
    for i in range(len(lm)):
        frame = {
            cid: checks.CheckTrace(tr.check, tr.value[i : i + 1], tr.status[i : i + 1])
            for cid, tr in traces.items()
        }
        h, f, one_memory = checks.held_pass(
            frame, ids, lm.t[i : i + 1], person[i : i + 1], one_memory
        )
        one_held.append(bool(h[0]))
        one_fresh.append(bool(f[0]))
    assert one_held == held.tolist()
    assert one_fresh == fresh.tolist()
    assert one_memory == memory
    assert held.any()
    assert not held.all()
    assert fresh.any()
    assert not fresh.all()


def test_a_live_frame_gets_the_same_status_as_in_a_sequence(hug: Technique) -> None:
    """One value at a time (the live path, on a float) gives each value's status within a
    sequence: at and beyond both limits, not seen (NaN) and infinite."""
    check = hug.checks[0]
    values = np.array(
        [check.min, check.max, check.min - 1e-9, check.max + 1e-9, (check.min + check.max) / 2]
        + [np.nan, np.inf, -np.inf, -1e9, 1e9]
    )
    whole = checks.status_of(check, values)
    one = [int(checks.status_of(check, values[i : i + 1])[0]) for i in range(values.size)]
    assert one == whole.tolist()
    assert set(one) == {PASS, LOW, HIGH, NOT_VISIBLE}
