"""The still receiver's movement cue held back on the page's two-person path, from a recording.

CI (2026-11-28) failed `test_page_people_e2e` at load: every movement cue was held back with
"the camera needs to see the receiver in position", a gate of four parts (unseen, moving,
sudden, a check not passing). `tests/data/page_pose/…_page_people_held.npz` is what the page
sent in that walk (Debian's Chromium, pose and people in the page, load 10 with three busy
loops; 18 s up to the held cue: 219 landmarks messages, 12 a second, and 7 `role_people`),
replayed here through the server's real code (`tests/support/page_replay.py`). It shows
which part held the move: not speed (the still receiver reads ≤ 1.2 °/s, nothing sudden at
12 poses a second) but `arms_crossed`, which the page's landmarks read across its 1.2 limit
each time a role answer redraws the page's grey (1.25 → 1.11 → 1.36 here; true 0.44). The
engine then has to say that, not that the camera cannot see the receiver in position.

Since the Seated Hug has a minimum frame rate (`video.min_fps` 15, docs/accuracy.md "Frame
rate"), this walk's 12 poses a second, delivered in bursts, shut the placement gate for its
rate: the engine says so (the camera sends too few pictures a second), not "move the camera".
The arms words are shown on a copy of the hug without that minimum.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np

from backbuddy.domain import session, wording
from backbuddy.domain import techniques as tech
from backbuddy.domain.events import Begin, Pose, Tick
from backbuddy.domain.screening import ScreeningResult
from backbuddy.web import page_landmarks
from backbuddy.web.camera_watch import decode_jpeg
from backbuddy.web.page_roles import PageRoles
from backbuddy.web.role_people import parse, to_people

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "support"))

import page_replay  # noqa: E402
from session_strategies import CAMERA_SET_UP  # noqa: E402

HELD = (
    ROOT
    / "tests/data/page_pose"
    / "hug_correct_setup_side_front_60_f34_with_m26_page_people_held.npz"
)
NOW = datetime(2026, 11, 28, 0, 45, tzinfo=UTC)
#: The seated hug's move cue comes at 5 s (set up by 1 s, breathe in 4 s).
MOVE_AT = 5.0


def hug_without_min_fps() -> tech.Technique:
    hug = tech.get("seated_hug_extension")
    return hug.model_copy(update={"video": hug.video.model_copy(update={"min_fps": 0.0})})


@cache
def poses(min_fps: bool = False) -> tuple[Pose, ...]:
    """The recorded messages through the server, as the engine gets them (`min_fps`: with
    the hug's minimum frame rate, else on a copy without it)."""
    hug = tech.get("seated_hug_extension") if min_fps else hug_without_min_fps()
    return tuple(step.result.pose for step in page_replay.replay(page_replay.load(HELD), hug))


def test_the_still_receiver_reads_still_on_the_page_two_person_path() -> None:
    """The gate's speed part is not what held the move: at 12 poses a second the still
    receiver's page landmarks read slow and steady, seen on every frame."""
    limits = tech.get("seated_hug_extension").limits
    seen = poses()
    assert len(seen) > 200
    assert all(p.tracked for p in seen)
    assert max(p.speed_deg_s for p in seen) < limits.gentle_speed_deg_s / 4
    assert not any(p.sudden for p in seen)


def _to_the_move(hug: tech.Technique, recorded: tuple[Pose, ...]) -> tuple[list, list]:
    """The last 3.5 s before the held cue, re-timed into a session's breath-in, then the
    tick of the move cue: (what was said before it, what the move cue's tick said)."""
    taken = NOW - timedelta(minutes=10)
    screened = ScreeningResult(hug.id, "clear", (), taken, taken + timedelta(hours=2))
    state = session.new_session(hug, screened, None)
    for event in (Begin(0.0, at=NOW, camera=True), *CAMERA_SET_UP):
        state, _ = session.step(state, event)
    end = recorded[-1].t
    said = []
    for pose in recorded:
        if end - pose.t <= 3.5:
            state, cues = session.step(state, _at(pose, MOVE_AT - 0.05 - (end - pose.t)))
            said += cues
    state, cues = session.step(state, Tick(MOVE_AT))
    assert state.attempts == 0
    return said, list(cues)


def test_the_held_move_names_the_arms_check_the_page_read_as_not_passing() -> None:
    """At a rate the technique accepts, the move is held (I3: the check does not pass on the
    last frame, the safe side) and the words name the check, where they said the camera needs
    to see the receiver in position."""
    hug = hug_without_min_fps()
    said, cues = _to_the_move(hug, poses())
    assert not said, said
    assert [c.kind for c in cues] == ["pause"]
    assert cues[0].reason == "camera_not_ready"
    check = hug.check("arms_crossed").text
    assert cues[0].text == wording.held_for(check), cues[0].text


def test_at_this_walks_rate_the_hug_holds_the_move_saying_the_camera_is_too_slow() -> None:
    """With the hug's own minimum frame rate, this walk's bursty 12 poses a second shut the
    camera layer's gate for the rate (its placement flag): the words say the camera sends too
    few pictures a second, not "move the camera" (which the median period, 30 a second in the
    bursts, would have said)."""
    hug = tech.get("seated_hug_extension")
    recorded = poses(min_fps=True)
    assert not recorded[-1].placement_ok
    said, cues = _to_the_move(hug, recorded)
    assert [c.reason for c in said + cues if c.kind == "pause"] == ["camera_slow"]
    assert wording.CAMERA_SLOW in [c.text for c in said + cues]


def _at(pose: Pose, t: float) -> Pose:
    return replace(pose, t=round(t, 4))


def _last_answer_and_landmarks() -> tuple[PageRoles, np.ndarray, tuple[int, int]]:
    """The walk's role answers placed as the server placed them, and its last landmarks."""
    roles = PageRoles(lambda: None, decode_jpeg)  # type: ignore[arg-type, return-value]
    image, size = None, (0, 0)
    for message in page_replay.load(HELD).messages:
        if isinstance(message, dict):
            people = parse(message)
            roles.place(to_people(people), people.size, people.ms)
        else:
            m = page_landmarks.read(message)
            image, size = (image if m.image is None else np.asarray(m.image)), m.size
    assert image is not None
    return roles, np.array(image, np.float64).reshape(-1, 4), size


def test_on_this_walk_her_arms_lie_near_the_assistant_so_the_arms_check_is_not_read() -> None:
    """Session 13's hold (`motion.checks.cover`): her arms near the assistant's body as the
    page's people drew him, on every frame of this walk (he holds her from behind: she is never
    alone here), so the page's image is not read for the arms (it read them across the limit
    both ways, 1.07-1.43, as its grey was redrawn); with no pass seen while she was alone they do
    not pass, and the move is held (above). His upper arm drawn, she is near it; moved away by
    a frame's width, she is not."""
    roles, image, size = _last_answer_and_landmarks()
    assert roles.covered(image, size)
    away = image.copy()
    away[:, 0] -= 1.0  # a frame's width to the left: off everyone
    assert not roles.covered(away, size)
