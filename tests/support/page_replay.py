"""The session page's own messages, recorded through real Chromium, replayed into the server.

`tools/calibrate/page_people_camera.py --record FILE` keeps what a session page with pose in
the page and its own people detector sent, in order: each binary landmarks message (`BBL1`,
`web/page_landmarks`) and each `role_people` message. `replay` hands them to the server's
real code in that order, as the socket does: the people through `role_people` and
`PageRoles.place`, each landmarks message through `page_landmarks.read`, the page clock,
`PageRoles.unsure` and `CameraWatch.analyze_landmarks` with the technique's set-up checks.
No model runs here: the page's numbers are the recorded ones, so the test is fast.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backbuddy.domain import techniques as tech
from backbuddy.motion.arms_cover import ARMS_BITS
from backbuddy.motion.people import receiver_lies
from backbuddy.web import page_landmarks, page_pose
from backbuddy.web.camera_watch import CameraWatch, decode_jpeg
from backbuddy.web.frames import FrameResult
from backbuddy.web.page_roles import PageRoles
from backbuddy.web.role_people import parse, to_people

#: A landmarks message reaches the server this long after the page's capture time (s).
DELAY_S = 0.08


@dataclass(frozen=True)
class Recording:
    """One recorded page run: the truth clip its fake camera played, the session's technique,
    and the sent messages in order (bytes: landmarks; dict: role_people)."""

    clip: str
    technique: str
    messages: list[bytes | dict]


@dataclass(frozen=True)
class Step:
    """One landmarks message as the server took it."""

    image: np.ndarray | None
    size: tuple[int, int]
    role_ms: float | None
    result: FrameResult

    @property
    def allowed(self) -> bool:
        """May this frame move the session on (tracked, and the receiver's)?"""
        return self.result.pose.tracked and self.result.pose.identity == "receiver"


def load(path: Path) -> Recording:
    with np.load(path) as data:
        blob, ends, marks = data["blob"].tobytes(), data["ends"], data["landmarks"]
        clip, technique = str(data["clip"]), str(data["technique"])
    starts = np.concatenate([[0], ends[:-1]])
    messages: list[bytes | dict] = [
        blob[a:b] if mark else json.loads(blob[a:b])
        for a, b, mark in zip(starts, ends, marks, strict=True)
    ]
    return Recording(clip, technique, messages)


def replay(recording: Recording, technique: str | tech.Technique | None = None) -> list[Step]:
    """Every landmarks message of `recording` through the server (module docstring), in a
    session of `technique` (an id or a changed copy; default: the one recorded). The
    server's clock is the recording's (each message's capture time plus DELAY_S), not the
    wall clock, so role answers age as they did in the walk however fast the replay runs."""
    if isinstance(technique, tech.Technique):
        chosen = technique
    else:
        chosen = tech.get(technique or recording.technique)
    now = [0.0]
    roles = PageRoles(
        lambda: None,  # type: ignore[arg-type, return-value]
        decode_jpeg,
        lambda: now[0],
        lying=receiver_lies(chosen),
        fades=chosen.video.grey_fades,
    )
    watch = CameraWatch(chosen, lambda: None, decode_jpeg, roles=roles)  # type: ignore[arg-type, return-value]
    clock = page_pose.PageClock()
    checks = chosen.setup[-1].checks
    steps = []
    for message in recording.messages:
        if isinstance(message, dict):
            people = parse(message)
            now[0] = max(now[0], people.ms / 1000.0 + DELAY_S)
            roles.place(to_people(people), people.size, people.ms)
            continue
        m = page_landmarks.read(message)
        now[0] = max(now[0], m.ms / 1000.0 + DELAY_S)
        t = clock.place(m.ms, now[0])
        unsure = roles.unsure(m.image, m.size, m.ms, m.role_ms)
        near = 0 if unsure else roles.near(m.image, m.size)  # as `session_socket` reads it
        roles.wanted()
        result = watch.analyze_landmarks(
            m.image,
            m.world,
            m.size,
            t,
            checks,
            unsure=unsure,
            covered=bool(near & ARMS_BITS),
            near=near,
        )
        steps.append(Step(m.image, m.size, m.role_ms, result))
    return steps
