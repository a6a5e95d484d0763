"""A stand-in for the session page with two people in view (issue 15, item 2), in Python.

What the browser does (web/static/js/roles.js, pose_page.js, pose_worker.js), step for step,
with the same model (MediaPipe Tasks PoseLandmarker on the page's own `.task` bundle) and
the server's real code for everything the server does:

* a camera frame becomes a role frame when the server wants one (`policy="server"`, as
  roles.js: the answer's `next_ms` after each answer, at once on `role_wanted`; one awaits
  its answer at a time) or, with `policy="fixed"`, every `ROLE_EVERY`-th frame (2.5 a
  second, the rate before the server set it): scaled to 384 px on its long side, JPEG at
  quality 0.7, base64 in a `role_frame` message through `schemas.RoleFrameIn` and
  `page_roles.decode_role_jpeg`, looked at by `PageRoles.look` (real MoveNet + the role
  rule); its answer reaches the page `ANSWER_FRAMES` frames later (the detector's run time
  and the round trip);
* every camera frame, the page's model runs on the crop around the newest receiver's box
  (kept while the receiver stays inside it, a grey picture first when it moves), with
  everyone else's body greyed out (kept steady and faded in, as mask.js and the server do;
  where the technique's grey fades, his fading out and her cut-out wide by his arms; where
  it greys nobody, `mask.grey_assistant` false, the crop as the camera took it),
  and the landmarks are mapped back to the whole frame;
  before the first box, on the whole frame with `role_ms` null;
* the landmarks message passes `schemas.LandmarksIn`, `page_pose.admit`, then
  `PageRoles.unsure` and `CameraWatch.analyze_landmarks`, as on the socket.
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from backbuddy.adapters import video
from backbuddy.adapters.movenet import PeopleDetector
from backbuddy.adapters.pose_bundle import TasksPoseModel
from backbuddy.adapters.receiver_grey import (
    GREY,
    MaskBasis,
    body_mask,
    cut_targets,
    faded,
    masked,
    others_mask,
    ramped,
    steady_basis,
)
from backbuddy.adapters.receiver_pose import Crop, crop_around, keep_or_move, to_frame
from backbuddy.domain import techniques as tech
from backbuddy.motion.grey_mask import CUT_SCALE, FADE_FRAMES
from backbuddy.motion.people import receiver_lies
from backbuddy.web import page_pose, schemas
from backbuddy.web.camera_watch import CameraWatch, decode_jpeg
from backbuddy.web.frames import FrameResult
from backbuddy.web.page_roles import (
    ROLE_MAX_SIDE,
    PageRoles,
    RoleAnswer,
    decode_role_jpeg,
)

ROOT = Path(__file__).resolve().parents[2]
TRUTH = ROOT / "tests" / "data" / "truth"
#: A role frame every this many camera frames (30 frames/s → 2.5 a second).
ROLE_EVERY = 12
#: A role answer reaches the page this many camera frames after its role frame (~100 ms).
ANSWER_FRAMES = 3


@dataclass
class PageRun:
    """One clip through the page's path: per frame, the landmarks sent (33 × 4, NaN when
    nobody), whether they were cropped to the receiver, and the camera watch's result."""

    image: list[np.ndarray] = field(default_factory=list)
    world: list[np.ndarray] = field(default_factory=list)
    #: The landmarks' time as the server admitted it (`page_pose.admit`), seconds.
    t: list[float] = field(default_factory=list)
    cropped: list[bool] = field(default_factory=list)
    #: Her arms at someone else's drawn body (`PageRoles.covered`, as the socket works it out).
    covered: list[bool] = field(default_factory=list)
    results: list[FrameResult] = field(default_factory=list)
    looks: int = 0
    #: Frame indices at which the server asked for a role frame (`role_wanted`), and why.
    wanted: list[tuple[int, str]] = field(default_factory=list)
    #: Frame indices that became role frames.
    looks_at: list[int] = field(default_factory=list)

    def looks_before(self, index: int) -> int:
        return sum(1 for i in self.looks_at if i < index)

    def pixels(self, size: tuple[int, int]) -> np.ndarray:
        return np.stack(self.image)[:, :, :2] * np.array(size, np.float64)


def role_jpeg(rgb: np.ndarray) -> bytes:
    """The page's role frame: long side 384 px, JPEG quality 0.7 (roles.js)."""
    h, w = rgb.shape[:2]
    scale = min(1.0, ROLE_MAX_SIDE / max(w, h))
    small = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    out = io.BytesIO()
    Image.fromarray(small).save(out, format="JPEG", quality=70)
    return out.getvalue()


def _kp_px(rows: list[list[float]], w: int, h: int) -> np.ndarray:
    a = np.array(rows, np.float32)
    a[:, :2] *= (w, h)
    return a


def _people(answer: dict, w: int, h: int) -> tuple[tuple, list[tuple]]:
    """The answer's receiver and others as (keypoints px (17, 3), box px (4,))."""
    scale = np.array([w, h, w, h], np.float32)
    receiver = (_kp_px(answer["receiver"], w, h), np.array(answer["box"], np.float32) * scale)
    others = [
        (_kp_px(rows, w, h), np.array(box, np.float32) * scale)
        for rows, box in zip(answer["others"], answer["others_boxes"], strict=True)
    ]
    return receiver, others


class Page:
    """The page's pose worker with the two-person step (pose_worker.js + roles.js)."""

    def __init__(self) -> None:
        self.model = TasksPoseModel(page_pose.BUNDLE)
        self.crop: Crop | None = None
        self.crop_ms: float | None = None
        # mask.js SteadyMask, by the server's own steps (its forget time counts answers here,
        # 30 of them, where the page counts 4 s of its clock: longer than these clips; the
        # receiver's cut-out moves 0.30 of the way per answer, where the page takes
        # 1 − e^(−Δt/0.37 s) by its clock, at most 0.30 (`grey_mask.FOLLOW_MAX_SHARE`): the
        # same at an answer every 4 frames or further apart, less when answers come closer).
        self.basis: MaskBasis | None = None
        self.mask: np.ndarray | None = None
        self.old: np.ndarray | None = None
        self.shown: np.ndarray | None = None
        self.fade = FADE_FRAMES
        # where the technique's grey fades (the answer's `mask.fades`, mask.js `ramped`): the
        # drawing's targets (his bodies, her cut-out wide by his arms, where grey clears at
        # once) and the per-pixel grey shown
        self.target: tuple = (None, None, None)
        self.ramp: np.ndarray | None = None
        self.last_ts = 0

    def _stamp(self, ms: float) -> int:
        self.last_ts = max(round(ms), self.last_ts + 1)
        return self.last_ts

    def pose(
        self, rgb: np.ndarray, ms: float, answer: dict | None
    ) -> tuple[np.ndarray, np.ndarray, float | None]:
        """(image, world, role_ms) for one camera frame given the newest receiver's answer."""
        h, w = rgb.shape[:2]
        if answer is None:
            image, world = self.model.estimate(rgb, self._stamp(ms))
            return image, world, None
        box = np.array(answer["box"], np.float32) * (w, h, w, h)
        crop = keep_or_move(self.crop, box, w, h)
        moved = crop != self.crop
        if moved:
            self.model.estimate(np.full((64, 64, 3), GREY, np.uint8), self._stamp(ms - 1))
        fades = bool((answer.get("mask") or {}).get("fades"))
        grey = bool((answer.get("mask") or {}).get("grey_assistant", True))
        if moved or answer["ms"] != self.crop_ms:
            basis = steady_basis(self.basis, *_people(answer, w, h))
            if grey and (moved or self.basis is None or not basis.same_drawing(self.basis)):
                receiver = (basis.receiver.keypoints, basis.receiver.box)
                drawn = [(o.keypoints, o.box) for o in basis.others]
                if fades:
                    theirs, cut = cut_targets(receiver, drawn, crop, CUT_SCALE, arms_only=True)
                    self.target = (theirs, cut, body_mask(*receiver, crop))
                    if moved:
                        self.ramp = None
                else:
                    self.mask = others_mask(receiver, drawn, crop)
                self.old = None if moved else self.shown
                self.fade = 0
            self.basis = basis
        self.crop, self.crop_ms = crop, answer["ms"]
        self.fade = min(self.fade + 1, FADE_FRAMES)
        if not grey:  # mask.js: nothing greyed over the assistant
            self.shown = None
        elif fades:
            self.ramp = ramped(self.ramp, *self.target)
            self.shown = self.ramp
        else:
            self.shown = faded(self.old, self.mask, self.fade)
        image, world = self.model.estimate(masked(rgb, crop, self.shown), self._stamp(ms))
        return to_frame(image, crop, w, h), world, float(answer["ms"])

    def pose_on(
        self, rgb: np.ndarray, ms: float, box: np.ndarray, role_ms: float | None
    ) -> tuple[np.ndarray, np.ndarray, float | None]:
        """A page whose model follows someone else: on a crop around `box` (px), no grey, sent
        as if cropped to the answer of `role_ms` (a switch the page cannot see)."""
        h, w = rgb.shape[:2]
        crop = crop_around(box, w, h)
        image, world = self.model.estimate(masked(rgb, crop, None), self._stamp(ms))
        return to_frame(image, crop, w, h), world, role_ms

    def close(self) -> None:
        self.model.close()


def assistant_box(clip: str, i: int) -> np.ndarray:
    """The assistant's true joints' box (px) in frame `i` of a two-person truth clip."""
    tr = _truth(clip)
    u = np.array([tr[k][i] for k in tr if k.startswith("assistant_") and k.endswith("_u")])
    v = np.array([tr[k][i] for k in tr if k.startswith("assistant_") and k.endswith("_v")])
    return np.array([np.nanmin(u), np.nanmin(v), np.nanmax(u), np.nanmax(v)], np.float32)


def _truth(clip: str) -> dict[str, np.ndarray]:
    from measure import truth_table  # tools/calibrate, on the path of the tests using this

    if clip not in _TRUTH:
        _TRUTH[clip] = truth_table(clip)
    return _TRUTH[clip]


_TRUTH: dict[str, dict[str, np.ndarray]] = {}


def message(
    image: np.ndarray, world: np.ndarray, size: tuple[int, int], ms: float, role_ms: float | None
) -> str:
    """What pose_page.js sends: 5 decimals for coordinates, 3 for visibility."""

    def rows(a: np.ndarray) -> list[list[float]] | None:
        if np.isnan(a).any():
            return None
        return [[round(float(v), 5) for v in p[:3]] + [round(float(p[3]), 3)] for p in a]

    body = {"v": 1, "type": "landmarks", "image": rows(image), "world": rows(world)}
    return json.dumps(body | {"size": list(size), "ms": ms, "role_ms": role_ms})


def run_clip(
    clip: str,
    technique: tech.Technique,
    roles_on: bool = True,
    policy: str = "server",
    frames: list[video.Frame] | None = None,
    switch_at: int | None = None,
) -> PageRun:
    """One clip through the page's path (module docstring); `roles_on` False: today's page
    without the two-person step (the whole frame, nothing unsure). `frames`: these camera
    frames instead of the clip's. `switch_at`: from this frame on, the page's model follows
    the assistant (a crop around the assistant's true joints) while the page believes it
    is on the receiver: an identity switch as the server sees it."""
    if frames is None:
        with video.open_file(TRUTH / f"{clip}.mp4") as source:
            frames = list(source)
    # The server's clock in this replay is the clip's own (the frame's time plus the 80 ms
    # the page's pose takes, as `admit` below): on the wall clock a replay running slower
    # than real time (a loaded box) aged every role answer and asked for extra role frames.
    now = [0.0]
    roles = PageRoles(
        PeopleDetector,
        decode_jpeg,
        lambda: now[0],
        lying=receiver_lies(technique),
        fades=technique.video.grey_fades,
        grey=technique.video.grey_assistant,
    )
    watch = CameraWatch(technique, lambda: None, decode_jpeg, roles=roles)  # type: ignore[arg-type,return-value]
    clock = page_pose.PageClock()
    page = Page()
    pending: list[tuple[int, RoleAnswer]] = []
    newest: dict | None = None
    due, waiting, asked = 0.0, False, False
    run = PageRun()
    checks = technique.setup[-1].checks
    try:
        for i, f in enumerate(frames):
            now[0] = f.t + 0.08
            ms = 1000.0 * f.t + 5.0
            wanted = ms >= due and not waiting if policy == "server" else i % ROLE_EVERY == 0
            if roles_on and wanted:
                text = base64.b64encode(role_jpeg(f.rgb)).decode()
                sent = schemas.RoleFrameIn.model_validate(
                    {"v": 1, "type": "role_frame", "ms": ms, "jpeg": text}
                )
                answer = roles.look(decode_jpeg(decode_role_jpeg(sent.jpeg)), sent.ms)
                pending.append((i + ANSWER_FRAMES, answer))
                run.looks_at.append(i)
                waiting = True
            while pending and pending[0][0] <= i:
                out = schemas.RoleOut.model_validate(pending.pop(0)[1].message()).model_dump()
                # roles.js: a role_wanted that came while this answer was awaited still counts.
                waiting, due = False, ms + (0.0 if asked else out["next_ms"] or 0.0)
                asked = False
                if out["identity"] == "receiver":
                    newest = out
            if switch_at is not None and i >= switch_at:
                role_ms = None if newest is None else float(newest["ms"])
                box = assistant_box(clip, i)
                image, world, role_ms = page.pose_on(f.rgb, ms, box, role_ms)
            else:
                image, world, role_ms = page.pose(f.rgb, ms, newest if roles_on else None)
            h, w = f.rgb.shape[:2]
            raw = json.loads(message(image, world, (w, h), ms, role_ms))
            m = schemas.LandmarksIn.model_validate(raw)
            t = page_pose.admit(m.image, m.world, m.ms, clock, f.t + 0.08)
            unsure = roles_on and roles.unsure(m.image, m.size, m.ms, m.role_ms)
            # as session_socket: her arms at someone else's drawn body, by the newest answer
            covered = roles_on and not unsure and roles.covered(m.image, m.size)
            if roles_on and (why := roles.wanted()) is not None:
                run.wanted.append((i, why))
                due, asked = 0.0, waiting  # role_wanted reaches the page for its next frame
            run.results.append(
                watch.analyze_landmarks(
                    m.image, m.world, m.size, t, checks, unsure=unsure, covered=covered
                )
            )
            run.image.append(image)
            run.world.append(world)
            run.t.append(t)
            run.cropped.append(role_ms is not None)
            run.covered.append(bool(covered))
    finally:
        page.close()
    run.looks = roles.looks
    return run
