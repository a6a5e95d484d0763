"""The live pose feed: events in time order, sudden motion flagged on the pose, a worker thread
the session loop polls, and the camera's failure shown rather than crashing the session."""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from tests.fixtures import poses

from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import CameraError
from backbuddy.domain.events import Pose
from backbuddy.services.pose_feed import PoseFeed, iter_pose_events

HUG = tech.get("seated_hug_extension")


@dataclass(frozen=True)
class Frame:
    index: int
    t: float
    rgb: np.ndarray


class Replay:
    def __init__(self, scenario: poses.Scenario) -> None:
        self.lm, self.i = scenario.landmarks, 0

    def estimate(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i, self.i = self.i, self.i + 1
        return self.lm.image[i], self.lm.world[i]


def _frames(scenario: poses.Scenario) -> Iterator[Frame]:
    blank = np.zeros((480, 640, 3), np.uint8)
    for i, t in enumerate(scenario.t):
        yield Frame(i, float(t), blank)


def test_each_frame_gives_a_pose_and_a_jerk_is_flagged_on_its_pose() -> None:
    sc = poses.jerk()
    events = list(iter_pose_events(_frames(sc), HUG, Replay(sc)))
    assert all(isinstance(e, Pose) for e in events)
    assert len(events) == len(sc.t)
    assert any(e.sudden for e in events if isinstance(e, Pose))
    assert [e.t for e in events] == sorted(e.t for e in events)


def test_event_times_come_from_the_session_clock() -> None:
    sc = poses.rotation(5.0, duration_s=1.0)
    ticks = iter(np.arange(100.0, 200.0, 0.5))
    events = list(iter_pose_events(_frames(sc), HUG, Replay(sc), clock=lambda: next(ticks)))
    assert events[0].t == 100.0
    assert events[-1].t == 100.0 + 0.5 * (len(sc.t) - 1)


def test_the_current_set_up_checks_gate_checks_ok() -> None:
    sc = poses.rotation(0.0, duration_s=0.5)
    lm = poses.seated_hug(np.zeros(len(sc.t)), arms="hanging")
    hanging = poses.Scenario("hanging", lm, sc.angle, sc.velocity, HUG.id)
    strict = list(iter_pose_events(_frames(hanging), HUG, Replay(hanging)))
    loose = list(
        iter_pose_events(_frames(hanging), HUG, Replay(hanging), checks=lambda: ["sitting_upright"])
    )
    assert not any(e.checks_ok for e in strict if isinstance(e, Pose))
    assert all(e.checks_ok for e in loose if isinstance(e, Pose))


def _poll_until(feed: PoseFeed, predicate, timeout: float = 5.0) -> list:
    got: list = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got.extend(feed.poll(42.0))
        if predicate(got):
            return got
        time.sleep(0.01)
    pytest.fail(f"the feed did not deliver in time: {feed.view}")


def test_the_threaded_feed_delivers_every_frame_stamped_with_the_loop_time() -> None:
    sc = poses.rotation(10.0, duration_s=1.0)
    feed = PoseFeed(_frames(sc), HUG, Replay(sc)).start()
    got = _poll_until(feed, lambda g: sum(isinstance(e, Pose) for e in g) == len(sc.t))
    _poll_until(feed, lambda g: feed.view.error is not None)
    feed.stop()
    assert {e.t for e in got} == {42.0}
    assert all(e.tracked for e in got if isinstance(e, Pose))
    assert feed.view.frames == len(sc.t)
    assert {r.id for r in feed.view.checks} == {"sitting_upright", "arms_crossed", "chin_tucked"}
    assert feed.view.error == "the video ended"
    assert not feed.view.tracked  # no more frames: the screen says so


def test_a_failing_camera_is_shown_not_raised() -> None:
    sc = poses.rotation(0.0, duration_s=0.3)

    def frames() -> Iterator[Frame]:
        yield from _frames(sc)
        raise CameraError("camera 0 stopped giving pictures")

    feed = PoseFeed(frames(), HUG, Replay(sc)).start()
    _poll_until(feed, lambda g: feed.view.error is not None)
    feed.stop()
    assert feed.view.error == "camera 0 stopped giving pictures"
    assert not feed.view.tracked


def test_the_feed_view_says_what_to_change_about_the_camera_placement() -> None:
    """Issue 12: the seated hug filmed from straight in front is refused, and the screen says
    where to move the camera; every pose says the placement is not valid."""
    lm = poses.seen_from("seated", 0, 8, n=30)
    sc = poses.Scenario("front", lm, np.zeros(len(lm)), np.zeros(len(lm)), HUG.id)
    feed = PoseFeed(_frames(sc), HUG, Replay(sc)).start()
    got = _poll_until(feed, lambda g: sum(isinstance(e, Pose) for e in g) == len(sc.t))
    feed.stop()
    assert not any(e.placement_ok for e in got if isinstance(e, Pose))
    assert not feed.view.placement_ok
    assert feed.view.placement_hint is not None
    assert "further to the receiver's side" in feed.view.placement_hint


def test_a_frame_s_events_wake_the_loop_and_a_poll_quiets_it_until_the_next_frame() -> None:
    """The terminal guide sleeps in select() between ticks: each frame analysed makes the
    feed's descriptor readable, so a jerk seen is fed at once rather than at the next tick;
    a poll takes the frame and the descriptor is quiet until another frame arrives."""
    sc = poses.jerk()
    release = threading.Semaphore(0)

    def frames() -> Iterator[Frame]:
        for frame in _frames(sc):
            release.acquire()
            yield frame

    feed = PoseFeed(frames(), HUG, Replay(sc)).start()
    try:
        assert select.select([feed.fileno()], [], [], 0.3)[0] == []  # nothing yet
        for _ in range(3):
            release.release()
            assert select.select([feed.fileno()], [], [], 10.0)[0] == [feed.fileno()]
            got = feed.poll(1.0)
            assert [type(e) for e in got] == [Pose]
            assert select.select([feed.fileno()], [], [], 0.0)[0] == []
    finally:
        for _ in range(len(sc.t)):
            release.release()
        feed.stop()
