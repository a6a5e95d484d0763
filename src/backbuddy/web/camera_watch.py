"""The camera watch for web sessions: JPEG → pose model → motion monitors → `FrameResult`,
or landmarks the page computed itself → the same monitors → the same `FrameResult`.

The pose model is an adapter, so the entry point (`backbuddy serve`) hands in a
way to open one; this module decodes the page's JPEG (Pillow, already installed
with matplotlib) and composes the model with the numpy-only
`motion.monitors.PoseMonitor`, one per session, fed one frame at a time (the
monitor carries its state, so frame-by-frame equals whole-clip). The model is
opened on the first frame only: a page that runs pose itself never costs the
server a model. Every pose passes the event gate's rules (`events.checked_pose`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from backbuddy.domain import events as ev
from backbuddy.domain.techniques import Limits, Technique
from backbuddy.motion.checks import STATUSES, describe
from backbuddy.motion.landmarks import N_LANDMARKS, Landmarks, no_person
from backbuddy.motion.monitors import PoseMonitor
from backbuddy.motion.people import receiver_lies, tell_moving, tell_technique
from backbuddy.services.analyze import estimate_at, identity_unsure, near_bits, wrists_covered
from backbuddy.web.frames import MAX_FPS, AnalyzerFactory, FrameResult, Points
from backbuddy.web.page_roles import Detector, PageRoles

Rgb = NDArray[np.uint8]
Decoder = Callable[[bytes], Rgb]


@runtime_checkable
class PoseEstimator(Protocol):
    """One pose model for one stream: RGB frame → (image, world) landmarks, each 33 × 4."""

    def estimate(self, rgb: Rgb) -> tuple[NDArray[np.float32], NDArray[np.float32]]: ...

    def close(self) -> None: ...


class CameraWatch:
    """`FrameAnalyzer` for one session; not thread-safe (its socket sends one frame at a time)."""

    def __init__(
        self,
        technique: Technique,
        estimator: PoseEstimator | Callable[[], PoseEstimator],
        decode: Decoder,
        fps: float = MAX_FPS,
        roles: PageRoles | None = None,
    ) -> None:
        """`estimator`: a pose model, or a way to open one when the first frame comes;
        `roles`: who is who for landmarks from the page (the two-person step), or None."""
        self.technique = technique
        self.roles = roles
        self._estimator: PoseEstimator | None = None
        self._open: Callable[[], PoseEstimator] | None = None
        if isinstance(estimator, PoseEstimator) and not isinstance(estimator, type):
            self._estimator = estimator
        else:
            self._open = estimator
        self.decode = decode
        self.monitor = PoseMonitor(technique, fps=fps, live=True)
        self._last_t = float("-inf")
        self._moving: bool | None = None  # what the session last said (`moving`)

    @property
    def sees_hold(self) -> bool:
        """Does this watch report the assistant's hold (`Pose.covered`)? With the two-person
        step: the page's landmarks by their role answers (`roles`), the server's frames by
        `ReceiverPose`; the app builds both or neither (`settings.two_person`)."""
        return self.roles is not None

    @property
    def estimator(self) -> PoseEstimator:
        if self._estimator is None:
            assert self._open is not None
            self._estimator = self._open()
            # The two-person step on the server is told, as the page's role keeping is,
            # whether the receiver lies: then no lone upright person is her.
            tell_technique(self._estimator, self.technique)
            if self._moving is not None:
                tell_moving(self._estimator, self._moving)
        return self._estimator

    def moving(self, on: bool) -> None:
        """Whether a movement runs (the session says so before each frame, `LiveSession`):
        the two-person step on the server then looks every 0.13 s, in set-up every 4th frame
        (`ReceiverPose.moving`)."""
        if on != self._moving:
            self._moving = on
            if self._estimator is not None:
                tell_moving(self._estimator, on)

    def analyze(self, jpeg: bytes, t: float, checks: tuple[str, ...]) -> FrameResult:
        """Raises ValueError when the bytes do not decode to an image."""
        rgb = self.decode(jpeg)
        image, world = estimate_at(self.estimator, rgb, t)
        height, width = rgb.shape[:2]
        unsure = identity_unsure(self.estimator)
        covered = wrists_covered(self.estimator)
        near = near_bits(self.estimator)
        return self._watch(
            image, world, (width, height), t, checks, unsure, covered=covered, near=near
        )

    def analyze_landmarks(
        self,
        image: Points | None,
        world: Points | None,
        size: tuple[int, int],
        t: float,
        checks: tuple[str, ...],
        unsure: bool = False,
        covered: bool = False,
        near: int | None = None,
    ) -> FrameResult:
        """Landmarks the page computed itself: the same monitors, the same pose events; no
        overlay back (the page draws its own landmarks: half the answer's bytes). `unsure`:
        the two-person step could not say they are the receiver's; `covered`: her wrists lie
        on the assistant's body as the last role answer drew it (`page_roles`); `near`: which
        of her landmarks do (`Landmarks.near`; None: her arms where `covered`)."""
        return self._watch(
            _array(image),
            _array(world),
            size,
            t,
            checks,
            unsure=unsure,
            covered=covered,
            near=near,
            overlay=False,
        )

    def _watch(
        self,
        image: NDArray[np.float32],
        world: NDArray[np.float32],
        size: tuple[int, int],
        t: float,
        checks: tuple[str, ...],
        unsure: bool = False,
        covered: bool = False,
        near: int | None = None,
        overlay: bool = True,
    ) -> FrameResult:
        # Frames and page landmarks are timed by different clocks: time never goes back.
        t = self._last_t = max(t, self._last_t)
        lm = Landmarks.frame(image, world, t, size, unsure, covered, near)
        if checks and tuple(checks) != self.monitor.active_checks:
            self.monitor.active_checks = tuple(checks)
        trace = self.monitor.update(lm)
        # Each check's status; its words (`CheckTrace.at`) only where it does not pass: the
        # hints are all that shows them (a passing check's words cost a live frame ~3 µs).
        passed: dict[str, bool | None] = {}
        hints: dict[str, str] = {}
        for cid in checks:
            if cid in trace.checks:
                check = trace.checks[cid]
                status = STATUSES[int(check.status[0])]
                # covered: not passing, and its words (why, what to do) shown with it
                passed[cid] = None if status == "not_visible" else status == "pass"
                if status != "pass":  # `CheckTrace.at(0).message`
                    hints[cid] = describe(check.check, float(check.value[0]), status)
        value = float(trace.primary.value[0])
        # the gate's rules on the pose our monitors built (`events.checked_pose`)
        pose = ev.checked_pose(trace.pose(0))
        seen = overlay and not bool(np.isnan(image).any())
        hint, picture = trace.placement_words(0)
        return FrameResult(
            pose=pose,
            landmarks=_overlay(image) if seen else None,
            checks=passed,
            hints=hints,
            measure=None if math.isnan(value) else round(value, 2),
            placement_hint=hint,
            placement_picture=picture,
        )

    def close(self) -> None:
        if self._estimator is not None:
            self._estimator.close()


def _array(points: Points | None) -> NDArray[np.float32]:
    """33 × 4 float32, all NaN for "no person" (never a guess)."""
    if points is None:
        return no_person()
    return np.asarray(points, dtype=np.float32).reshape(N_LANDMARKS, 4)


def _overlay(image: NDArray[np.float32]) -> list[list[float]]:
    """(x, y, visibility) per landmark, rounded: what the page needs to draw, and no more."""
    return [[round(float(p[0]), 4), round(float(p[1]), 4), round(float(p[3]), 3)] for p in image]


def factory(
    open_estimator: Callable[[], PoseEstimator],
    decode: Decoder,
    open_detector: Callable[[], Detector] | None = None,
) -> AnalyzerFactory:
    """An `AnalyzerFactory` that gives each session its own monitor, and its own pose model
    when its first frame comes (a page that runs pose itself needs none). `open_detector`
    (the two-person step's people detector) gives each session role keeping for landmarks
    from the page, opened on its first role frame."""

    def build(technique: Technique, limits: Limits) -> CameraWatch:
        roles = (
            None
            if open_detector is None
            else PageRoles(
                open_detector,
                decode,
                lying=receiver_lies(technique),
                fades=technique.video.grey_fades,
                grey=technique.video.grey_assistant,
            )
        )
        return CameraWatch(technique, open_estimator, decode, roles=roles)

    return build


def decode_jpeg(data: bytes) -> Rgb:
    """RGB pixels of a JPEG; ValueError (a protocol error, not a crash) for anything else."""
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
            return np.asarray(image.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
        raise ValueError(f"the frame is not a readable JPEG image ({err})") from None
