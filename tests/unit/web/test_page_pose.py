"""Landmarks from the page's own pose model: ranges and frame times are checked before
they reach the monitors, and a page that breaks them has broken the protocol."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from backbuddy.web.page_pose import (
    LATE_S,
    MAX_AHEAD_S,
    WARMUP_MAX_S,
    WARMUP_S,
    LandmarksRefused,
    PageClock,
    available,
    check_points,
)

from .conftest import ORIGIN, WS, make_client, start_session
from .test_landmarks_and_camera_loss import landmarks_message, points, watch
from .test_socket import opening, until


def test_the_first_second_of_frames_takes_arrival_time_then_the_pages_spacing() -> None:
    """Frame k is captured at 1 + 0.1 k s of the page's clock; the first arrives 0.5 s
    later (the model starting), the others 0.1 s later. Arrival time until the best delay
    (frame 1's) has held for a second."""
    clock = PageClock()
    arrival = [1.0 + 0.1 * k + (0.5 if k == 0 else 0.1) for k in range(20)]
    warm = [k for k in range(20) if arrival[k] - arrival[1] < WARMUP_S]
    for k in [*warm, warm[-1] + 1]:
        assert clock.place(1000.0 + 100.0 * k, arrival[k]) == arrival[k]
    # From then on: capture time + the smallest delay seen (0.1 s), however late it arrives.
    k = warm[-1] + 2
    assert clock.place(1000.0 + 100.0 * k, arrival[k] + 0.2) == pytest.approx(arrival[k])
    assert clock.place(1000.0 + 100.0 * (k + 1), arrival[k + 1]) == pytest.approx(arrival[k + 1])


@pytest.mark.parametrize("ms", [1000.0, 999.0, 1002.0])
def test_frame_times_must_increase(ms: float) -> None:
    clock = PageClock()
    clock.place(1000.0, 5.0)
    with pytest.raises(LandmarksRefused, match="must increase"):
        clock.place(ms, 5.1)


def test_a_page_clock_that_gains_on_the_servers_is_refused() -> None:
    """Frames placed further apart than they were would make a jerk read slow. (Within
    `WARMUP_MAX_S` of its first frame such a step is learnt again: the tests below.)"""
    clock = PageClock()
    n = round(10 * WARMUP_MAX_S) + 1
    for k in range(n):
        clock.place(100.0 * k, 3.0 + 0.1 * k + 0.05)
    with pytest.raises(LandmarksRefused, match="ahead of the server's clock"):
        clock.place(100.0 * n + 1000 * (MAX_AHEAD_S + 0.05), 3.0 + 0.1 * n + 0.05)


def page_frames(runs: list[float], start: float = 10.0) -> list[tuple[float, float]]:
    """(ms, arrival) of the frames a page sends when its model takes `runs[k]` s on frame k:
    it starts on the newest camera frame the moment it is free, at most 15 a second
    (`pose_page.js`); the page's clock reads 1000 ms at the first capture, the server's
    `start` s."""
    out, capture = [], 0.0
    for k, run in enumerate(runs):
        if k:
            capture = max(out[-1][1] - start, capture + 1.0 / 15.0)
        out.append((1000.0 + 1000.0 * capture, start + capture + run))
    return out


#: A slow phone: its model takes 0.5 s a frame for 3 s while it warms up, then 0.1 s.
SLOW_THEN_FAST = [0.5] * 6 + [0.1] * 60


def test_a_slow_first_seconds_then_fast_frames_are_kept_and_placed_right() -> None:
    """Red team (session 24): learnt in a fixed first second, the delay was 0.5 s and the
    first fast frame "ran 0.40 s ahead": the page cut off for good. A step down in the delay
    while the model warms up is no gain: the clock learns again, then places every frame at
    its capture time plus 0.1 s (its arrival), none of them late."""
    clock = PageClock()
    for ms, arrival in page_frames(SLOW_THEN_FAST):
        assert clock.place(ms, arrival) == pytest.approx(arrival)
        assert clock.late_s == pytest.approx(0.0)
    ms, arrival = page_frames([*SLOW_THEN_FAST, 0.1])[-1]
    assert clock.place(ms, arrival + 0.2) == pytest.approx(arrival)  # placed, 0.2 s late
    assert clock.late_s == pytest.approx(0.2)


def test_a_model_slow_for_its_first_five_poses_is_kept() -> None:
    """The page does not count its first five poses for its rate (`pose_page.js`
    `WARMUP_POSES`): a phone whose model took 1.5 s for each of them (7.5 s, longer than
    `WARMUP_MAX_S`) and 0.1 s after is learnt again at its first fast frame, not cut off."""
    clock = PageClock()
    for ms, arrival in page_frames([1.5] * 5 + [0.1] * 30):
        assert clock.place(ms, arrival) == pytest.approx(arrival)
    assert clock.late_s == pytest.approx(0.0)


def gaining(kind: str, k: int) -> float:
    """How far (s) the page's clock has gained on the server's by its frame k (10 a second):
    steadily, or in steps of 0.3 s every 1.2 s (a step is what the clock learns again from)."""
    rate = {"1%": 0.01, "10%": 0.1, "50%": 0.5}.get(kind)
    return rate * 0.1 * k if rate is not None else 0.3 * (k // 12)


@pytest.mark.parametrize("kind", ["1%", "10%", "50%", "steps"])
def test_a_page_clock_gaining_on_the_servers_is_still_refused(kind: str) -> None:
    """No frame is ever placed more than `MAX_AHEAD_S` after it arrived (a jerk would read
    slow, I5), and the page is refused once its clock has gained that much on the delay it
    learnt: by `WARMUP_MAX_S` plus the time to gain it, at the latest."""
    clock = PageClock()
    refused: tuple[float, str] | None = None
    for k in range(400):  # 40 s of frames 0.1 s apart, each arriving 0.1 s after capture
        arrival = 10.1 + 0.1 * k
        try:
            t = clock.place(1000.0 + 100.0 * k + 1000.0 * gaining(kind, k), arrival)
        except LandmarksRefused as err:
            refused = (0.1 * k, str(err))
            break
        assert t <= arrival + MAX_AHEAD_S
    assert refused is not None
    refused_at, said = refused
    assert "ahead of the server's clock" in said
    per_s = gaining(kind, 10) if kind != "steps" else 0.3 / 1.2
    assert refused_at <= WARMUP_MAX_S + MAX_AHEAD_S / per_s + 1.2


def test_a_page_that_lags_later_is_late() -> None:
    """After its slow first seconds the page's model backs up (0.7 s a frame): its frames
    are late (no sight of the receiver now, I4), whether the clock is placed by then or
    still learning its new delay."""
    for fast in (3, 30):  # fast frames before the backlog: the clock learning, then placed
        clock = PageClock()
        late = []
        for ms, arrival in page_frames([0.5] * 6 + [0.1] * fast + [0.7] * 3):
            clock.place(ms, arrival)
            late.append(clock.late_s)
        assert late[-3:] == pytest.approx([0.6] * 3)
        assert min(late[-3:]) > LATE_S


def test_pages_that_send_no_time_get_their_arrival_time() -> None:
    assert PageClock().place(None, 7.25) == 7.25


@pytest.mark.parametrize(
    ("what", "index", "channel", "value", "said"),
    [
        ("image", 3, 0, 2.5, "image[3] x = 2.5 is outside -1..2"),
        ("image", 0, 3, 1.5, "image[0] visibility = 1.5 is outside 0..1"),
        ("image", 5, 2, -20.0, "image[5] z = -20 is outside -10..10"),
        ("world", 11, 1, 4.0, "world[11] y = 4 is outside -3..3"),
    ],
)
def test_values_out_of_range_are_named(
    what: str, index: int, channel: int, value: float, said: str
) -> None:
    rows = points()
    rows[index][channel] = value
    with pytest.raises(LandmarksRefused, match=re.escape(said)):
        check_points(rows, what)


def test_the_page_model_is_vendored_for_the_session_page(tmp_path: Path) -> None:
    assert available(), "run `make vendor` (make test does it first)"
    assert not available(tmp_path)
    with make_client(tmp_path, analyzers=watch) as client:
        sid = start_session(client, camera=True)
        html = client.get(f"/session/{sid}").text
        assert 'data-page-pose="1"' in html
        assert "camera pictures then never leave it" in html
        assert (
            client.get("/static/vendor/tasks-vision/vision_bundle.mjs")
            .headers["content-type"]
            .startswith("text/javascript")
        )


def send_all(tmp_path: Path, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Send landmarks messages in order; the first error or the last frame answer."""
    with make_client(tmp_path, analyzers=watch) as client:
        sid = start_session(client, camera=True)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            last: dict[str, Any] = {}
            for message in messages:
                ws.send_text(json.dumps(message))
                last = until(ws, lambda m: m["type"] in ("frame", "error"))
                if last["type"] == "error":
                    break
            return last


def test_landmarks_with_times_take_the_frame_path(tmp_path: Path) -> None:
    answer = send_all(tmp_path, [landmarks_message(ms=1000.0 + 40 * k) for k in range(3)])
    assert answer["type"] == "frame"
    assert answer["seq"] == 3


@pytest.mark.parametrize(
    ("messages", "said"),
    [
        ([landmarks_message(ms=500.0), landmarks_message(ms=400.0)], "must increase"),
        ([landmarks_message(image=[[0.5, 3.0, 0.0, 0.9]] * 33)], "image[0] y = 3"),
        ([landmarks_message(image=None, world=points())], "world landmarks without image"),
        ([landmarks_message(ms=-1.0)], "ms"),
    ],
    ids=["time backwards", "out of frame", "world alone", "negative time"],
)
def test_bad_landmarks_are_a_protocol_error(
    tmp_path: Path, messages: list[dict[str, Any]], said: str
) -> None:
    error = send_all(tmp_path, messages)
    assert error["type"] == "error"
    assert error["code"] == "bad_message"
    assert error["fatal"]
    assert said in error["message"]


class Opened:
    """A pose model class that counts how often it is opened (as `PoseModel` is passed)."""

    count = 0

    def __init__(self) -> None:
        Opened.count += 1

    def estimate(self, rgb: Any) -> Any:
        from backbuddy.motion.landmarks import no_person

        return no_person(), no_person()

    def close(self) -> None:
        pass


def test_the_server_opens_a_pose_model_only_when_a_frame_comes() -> None:
    """A page that runs pose itself never costs the server a model."""
    from backbuddy.domain import techniques as tech
    from backbuddy.web.camera_watch import decode_jpeg, factory

    jpeg = (Path(__file__).resolve().parents[2] / "data" / "pose2sim_cam01_frame0.jpg").read_bytes()
    technique = tech.get("seated_hug_extension")
    watch = factory(Opened, decode_jpeg)(technique, technique.limits)
    Opened.count = 0
    watch.analyze_landmarks(points(), None, (270, 480), 0.0, ())
    assert Opened.count == 0
    watch.analyze(jpeg, 0.1, ())
    watch.analyze(jpeg, 0.2, ())
    assert Opened.count == 1
    watch.close()
