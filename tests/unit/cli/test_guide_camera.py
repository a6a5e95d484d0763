"""The camera part of the terminal guide: drawing what the camera sees (the source is opened
by bootstrap: tests/unit/test_bootstrap.py)."""

from __future__ import annotations

import pytest
from rich.console import Console

from backbuddy.cli.guide_camera import camera_panel
from backbuddy.domain import techniques as tech
from backbuddy.motion.checks import CheckResult
from backbuddy.services.pose_feed import FeedView

LIMITS = tech.get("seated_hug_extension").limits


def _text(view: FeedView, active: tuple[str, ...] = ()) -> str:
    console = Console(width=120, record=True)
    console.print(camera_panel(view, LIMITS, active))
    return console.export_text()


def test_tracking_speed_and_check_ticks() -> None:
    checks = (
        CheckResult("sitting_upright", "pass", 2.0, "Sit upright: good (now 2°, aim -15–27°)"),
        CheckResult("arms_crossed", "high", 1.4, "Cross your arms (now 1.40, aim 0.00–1.20)"),
        CheckResult("chin_tucked", "not_visible", None, "Chin tucked: the camera cannot see this"),
    )
    view = FeedView(
        t=3.0, tracked=True, person=True, speed_deg_s=12.3, range_deg=4.0, checks=checks, frames=90
    )
    text = _text(view, ("sitting_upright", "arms_crossed"))
    assert "camera: tracking" in text
    assert "speed  12.3 °/s  (gentle ≤ 10, stop above 30)" in text
    assert "✓ Sit upright" in text
    assert "✗ Cross your arms" in text
    assert "Chin tucked" not in text  # not a check of the current step


@pytest.mark.parametrize(
    ("view", "shown"),
    [
        (FeedView(), "camera: starting"),
        (FeedView(frames=5, person=False), "TRACKING LOST (no one in view)"),
        (FeedView(frames=5, person=True), "TRACKING LOST (receiver not clearly seen)"),
        (FeedView(frames=5, error="the video ended"), "camera: the video ended"),
        (FeedView(frames=5, person=True, unsure=True), "WHO IS THE RECEIVER?"),
    ],
)
def test_tracking_states(view: FeedView, shown: str) -> None:
    assert shown in _text(view)
