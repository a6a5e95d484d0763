"""The analysis report: PNG plots and snapshots, and the page around them."""

from __future__ import annotations

import numpy as np
from tests.fixtures import poses

from backbuddy.domain import techniques as tech
from backbuddy.motion.analysis import Analysis, flag_moments, summarise
from backbuddy.motion.monitors import PoseMonitor
from backbuddy.reports import analysis_html, analysis_plots

PNG = b"\x89PNG\r\n\x1a\n"
HUG = tech.get("seated_hug_extension")


def _analysis(still: bool = False) -> Analysis:
    sc = poses.with_frames(poses.rotation(40.0, move_s=1.0), slice(150, 170), poses.drop, "gone")
    lm = sc.landmarks.take(slice(0, 1)) if still else sc.landmarks
    trace = PoseMonitor(HUG).update(lm)
    moments = tuple(flag_moments(trace, HUG.limits, HUG.primary_measure))
    return Analysis("clip.mp4", None if still else 30.0, still, HUG, lm, trace, 50.0, moments)


def test_the_measure_and_speed_plot_is_a_png() -> None:
    assert analysis_plots.measure_and_speed(_analysis()).startswith(PNG)


def test_a_snapshot_draws_the_skeleton_over_the_frame() -> None:
    lm = poses.seated_hug(np.zeros(1))
    png = analysis_plots.snapshot(np.zeros((480, 640, 3), np.uint8), lm.image[0], "set-up")
    assert png.startswith(PNG)


def test_the_page_lists_checks_moments_and_embeds_pictures() -> None:
    a = _analysis()
    frame = np.zeros((480, 640, 3), np.uint8)
    html = analysis_html.render(a, summarise(a), [(frame, a.landmarks.image[0], "set-up")])
    assert html.count("data:image/png;base64,") == 2
    assert "Arms crossed, hands on the opposite shoulders" in html
    assert "over speed limit" in html
    assert "tracking lost" in html


def test_a_still_has_no_time_plot() -> None:
    a = _analysis(still=True)
    html = analysis_html.render(a, summarise(a), [])
    assert "data:image/png" not in html
    assert "still image" in html


def test_the_page_warns_when_the_camera_placement_makes_the_numbers_invalid() -> None:
    lm = poses.seen_from("seated", 0, 8, n=40)  # straight in front: the hug is not in the image
    trace = PoseMonitor(HUG).update(lm)
    a = Analysis("front.mp4", 30.0, False, HUG, lm, trace, 50.0, ())
    html = analysis_html.render(a, summarise(a), [])
    assert "not valid from this camera placement" in html
    assert "further to the receiver" in html
