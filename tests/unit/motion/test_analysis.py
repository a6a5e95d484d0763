"""Flagged moments and the JSON summary of an analysis."""

from __future__ import annotations

import json

import numpy as np
from tests.fixtures import poses

from backbuddy.domain.techniques import Technique
from backbuddy.motion.analysis import Analysis, flag_moments, summarise
from backbuddy.motion.monitors import PoseMonitor


def _analysis(technique: Technique, scenario: poses.Scenario) -> Analysis:
    trace = PoseMonitor(technique).update(scenario.landmarks)
    moments = flag_moments(trace, technique.limits, technique.primary_measure)
    return Analysis(
        "clip.mp4", 30.0, False, technique, scenario.landmarks, trace, 123.4, tuple(moments)
    )


def test_moments_of_a_fast_extension(hug: Technique) -> None:
    a = _analysis(hug, poses.rotation(40.0))
    kinds = [m.kind for m in a.moments]
    assert kinds[0] == "baseline"
    for kind in ("too_fast", "over_speed_limit", "over_range"):
        assert kinds.count(kind) == 1, kinds
    over = next(m for m in a.moments if m.kind == "over_speed_limit")
    assert 2.0 < over.t < 2.4
    assert "> limit 30 °/s" in over.detail


def test_a_dropout_is_lost_then_back(hug: Technique) -> None:
    sc = poses.with_frames(poses.rotation(0.0), slice(60, 90), poses.drop, "dropout")
    kinds = [m.kind for m in _analysis(hug, sc).moments]
    assert kinds == ["baseline", "tracking_lost", "tracking_back"]


def test_a_slow_session_flags_nothing_but_its_baseline(hug: Technique) -> None:
    sc = poses.rotation(5.0, move_s=2.0)
    assert [m.kind for m in _analysis(hug, sc).moments] == ["baseline"]


def test_summary_shape(hug: Technique) -> None:
    s = summarise(_analysis(hug, poses.rotation(10.0)))
    assert list(s) == [
        "source",
        "technique",
        "frames",
        "header_frames",
        "cut_short",
        "fps",
        "detected_frames",
        "processing_fps",
        "checks",
        "measures",
        "max_speed_deg_s",
        "placement",
        "hint",
        "events",
    ]
    assert s["frames"] == s["detected_frames"] == 240
    assert set(s["checks"]) == {"sitting_upright", "arms_crossed", "chin_tucked"}
    assert s["checks"]["arms_crossed"] == 1.0
    assert s["measures"]["trunk_extension_deg"]["max"] == np.round(
        s["measures"]["trunk_extension_deg"]["max"], 2
    )
    assert 9.0 < s["max_speed_deg_s"] < 12.0
    json.dumps(s, allow_nan=False)


def test_analyze_says_when_its_numbers_are_not_valid_for_the_camera_placement(
    hug: Technique,
) -> None:
    """Issue 12: the seated hug seen from straight in front: the extension is not in the image,
    so the summary says where the camera was and that its numbers do not hold from there."""
    lm = poses.seen_from("seated", 0, 8, n=40)
    sc = poses.Scenario("front", lm, np.zeros(len(lm)), np.zeros(len(lm)), hug.id)
    s = summarise(_analysis(hug, sc))["placement"]
    assert abs(s["azimuth_deg"]) < 20
    assert s["valid"] is False
    assert "further to the receiver's side" in s["hint"]
