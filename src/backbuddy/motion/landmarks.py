"""Landmarks: what the pose model saw, as frozen arrays over time.

Arrays are indexed ``[frame, landmark, channel]`` with the 33 landmarks of
MediaPipe Pose (``NOSE`` … ``RIGHT_FOOT_INDEX`` below) and four channels:

* ``image``: x, y normalised by the frame's width and height (0..1 inside the
  frame, image y pointing down), z (MediaPipe's relative depth, in units of x,
  smaller = nearer the camera), visibility (0..1).
* ``world``: x, y, z in metres with the origin between the hips, y pointing
  down, z away from the camera (a right-handed frame), visibility (0..1).

A frame with no person holds NaN in every channel: never a guess.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
#: One frame's pixels (x, y), world points (x, y, z) and visibilities as plain floats.
FrameFloats = tuple[list[list[float]], list[list[float]], list[float]]

N_LANDMARKS = 33
NOSE = 0
LEFT_EYE, RIGHT_EYE = 2, 5
LEFT_EAR, RIGHT_EAR = 7, 8
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_ELBOW, RIGHT_ELBOW = 13, 14
LEFT_WRIST, RIGHT_WRIST = 15, 16
LEFT_HIP, RIGHT_HIP = 23, 24
LEFT_KNEE, RIGHT_KNEE = 25, 26
LEFT_ANKLE, RIGHT_ANKLE = 27, 28

#: (left, right) index pairs for every landmark that has a mirror image on the body.
LEFT_RIGHT_PAIRS: tuple[tuple[int, int], ...] = (
    (1, 4),
    (2, 5),
    (3, 6),
    (7, 8),
    (9, 10),
    *((i, i + 1) for i in range(11, 33, 2)),
)

#: Landmarks whose loss means the body cannot be followed at all (shoulders and hips).
TORSO: tuple[int, ...] = (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP)
#: Visibility at or above which a landmark is trusted (issue 4: 0.5 to start).
MIN_VISIBILITY = 0.5
#: Visibility at or above which a wrist is trusted for the arms-crossed check (at most
#: `MIN_VISIBILITY`): a hand resting on the far shoulder, seen from the side and above, gets
#: 0.35-0.49 from MediaPipe yet is placed right (the check read 0.60 for a true 0.46, its band
#: 0-1.2; arms hanging still read 1.74-1.84): at 0.5 the check was never seen there and the
#: set-up never passed (docs/accuracy.md, "The hug from high at the side: dim wrists").
WRIST_MIN_VISIBILITY = 0.3


@dataclass(frozen=True)
class Landmarks:
    """T frames of one person's pose: image and world landmarks plus timestamps.

    Parameters
    ----------
    image, world
        Arrays of shape (T, 33, 4), stored as float32 (see the module docstring).
    t
        Shape (T,), seconds since the first frame, never decreasing.
    size
        (width, height) of the frames in pixels, to turn image x, y into pixels.
    person
        Which tracked person these are: 0 is the receiver.
    unsure
        Shape (T,): True where the two-person step could not tell that these landmarks are
        the receiver's (identity "unsure": the engine gives no move cue). None: all sure.
    covered
        Shape (T,): True where a wrist of the receiver's lies near the assistant's drawn body
        (`arms_cover`): checks read from her hands are not read from the image there.
        None: nowhere.
    near
        Shape (T,), int64: which of the receiver's landmarks lie near someone else's drawn
        body (`arms_cover.near_mask`; bit k: landmark k), for checks read with her apart
        (`checks.cover`) and the placement gate (`Technique.video.view_read_alone`). None:
        her arms' bits (`arms_cover.ARMS_BITS`) where `covered`, none elsewhere (a recording
        made before session 25 kept only `covered`).
    """

    image: NDArray[np.float32]
    world: NDArray[np.float32]
    t: FloatArray
    size: tuple[int, int]
    person: int = 0
    unsure: BoolArray | None = None
    covered: BoolArray | None = None
    near: NDArray[np.int64] | None = None
    _pixels: dict[str, FloatArray] = field(default_factory=dict, repr=False, compare=False)  # cache
    _floats: list[FrameFloats] = field(default_factory=list, repr=False, compare=False)  # cache

    def __post_init__(self) -> None:
        image = np.asarray(self.image, dtype=np.float32)
        world = np.asarray(self.world, dtype=np.float32)
        t = np.asarray(self.t, dtype=np.float64).reshape(-1)
        if image.ndim != 3 or image.shape[1:] != (N_LANDMARKS, 4):
            raise ValueError(f"image landmarks must be (T, 33, 4), got {image.shape}")
        if world.shape != image.shape:
            raise ValueError(f"world landmarks {world.shape} must match image {image.shape}")
        if t.shape != (image.shape[0],):
            raise ValueError(f"timestamps {t.shape} must have one entry per frame")
        if t.size > 1 and np.any(np.diff(t) < 0):
            raise ValueError("timestamps must never decrease")
        width, height = (int(v) for v in self.size)
        if width <= 0 or height <= 0:
            raise ValueError(f"frame size must be positive, got {self.size}")
        object.__setattr__(self, "image", image)
        object.__setattr__(self, "world", world)
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "size", (width, height))
        unsure = np.zeros(t.shape, bool) if self.unsure is None else np.asarray(self.unsure, bool)
        if unsure.shape != t.shape:
            raise ValueError(f"identity flags {unsure.shape} must have one entry per frame")
        object.__setattr__(self, "unsure", unsure)
        covered = np.asarray(np.zeros(t.shape) if self.covered is None else self.covered, bool)
        if covered.shape != t.shape:
            raise ValueError(f"covered flags {covered.shape} must have one entry per frame")
        object.__setattr__(self, "covered", covered)
        if self.near is None:
            near = np.where(covered, np.int64(_ARMS_BITS), np.int64(0))
        else:
            near = np.asarray(self.near, np.int64).reshape(-1)
        if near.shape != t.shape:
            raise ValueError(f"near flags {near.shape} must have one entry per frame")
        object.__setattr__(self, "near", near)

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @property
    def identity_unsure(self) -> BoolArray:
        """Shape (T,): the `unsure` flags as an array (never None after construction)."""
        return np.asarray(self.unsure, bool)

    @property
    def wrists_covered(self) -> BoolArray:
        """Shape (T,): the `covered` flags as an array (never None after construction)."""
        return np.asarray(self.covered, bool)

    @property
    def near_bits(self) -> NDArray[np.int64]:
        """Shape (T,): the `near` bit masks as an array (never None after construction)."""
        return np.asarray(self.near, np.int64)

    @property
    def detected(self) -> BoolArray:
        """Shape (T,): True where the model found a person in the frame."""
        return np.asarray(np.isfinite(self.image[:, NOSE, 0]))

    def pixels(self) -> FloatArray:
        """Image x, y in pixels, shape (T, 33, 2), float64 (cached)."""
        if "xy" not in self._pixels:
            scale = np.array(self.size, dtype=np.float64)
            self._pixels["xy"] = self.image[:, :, :2].astype(np.float64) * scale
        return self._pixels["xy"]

    def world_xyz(self) -> FloatArray:
        """World x, y, z in metres, shape (T, 33, 3), float64 (cached: read-only, shared)."""
        if "world" not in self._pixels:
            xyz = self.world[:, :, :3].astype(np.float64)
            xyz.flags.writeable = False  # every measure reads the one copy
            self._pixels["world"] = xyz
        return self._pixels["world"]

    def visibility(self) -> FloatArray:
        """Shape (T, 33), float64; NaN (no person) reads as 0 (cached)."""
        if "vis" not in self._pixels:
            vis = self.image[:, :, 3].astype(np.float64)
            # `np.nan_to_num` costs ~10 µs even with nothing to change (a live frame's case)
            if not np.isfinite(vis).all():
                # all NaN (nobody, an unsure frame blanked): zeros, without nan_to_num's cost
                vis = np.zeros_like(vis) if np.isnan(vis).all() else np.nan_to_num(vis, nan=0.0)
            self._pixels["vis"] = vis
        return self._pixels["vis"]

    def frame_floats(self) -> FrameFloats:
        """The first frame's pixels (x, y), world points (x, y, z) and visibilities as plain
        floats (cached): a live frame's one-frame measures and view (`angles_one`,
        `placement_one`) all read the same numbers, converted once. Read-only."""
        if not self._floats:
            # The numbers `pixels`, `world_xyz` and `visibility` hold, read straight from the
            # first frame (their arrays are made only if something reads them)
            scale = np.array(self.size, dtype=np.float64)
            px = (self.image[0, :, :2].astype(np.float64) * scale).tolist()
            xyz = self.world[0, :, :3].tolist()  # float32 → float: exact, as `astype`
            vis = self.image[0, :, 3].tolist()
            if not math.isfinite(sum(vis)):  # a NaN or an infinity: as `visibility` reads it
                vis = self.visibility()[0].tolist()
            self._floats.append((px, xyz, vis))
        return self._floats[0]

    def take(self, index: slice | NDArray[np.intp]) -> Landmarks:
        """A subset of frames (a slice or an index array), as new Landmarks."""
        return Landmarks(
            self.image[index],
            self.world[index],
            self.t[index],
            self.size,
            self.person,
            self.identity_unsure[index],
            self.wrists_covered[index],
            self.near_bits[index],
        )

    def mirrored(
        self, frames: BoolArray, pairs: tuple[tuple[int, int], ...] = LEFT_RIGHT_PAIRS
    ) -> Landmarks:
        """Exchange each left landmark of `pairs` with its right twin on `frames` (undo a swap)."""
        index = np.arange(N_LANDMARKS)
        for left, right in pairs:
            index[left], index[right] = right, left
        image = self.image.copy()
        world = self.world.copy()
        image[frames] = self.image[frames][:, index]
        world[frames] = self.world[frames][:, index]
        near = self.near_bits.copy()
        near[frames] = [_permuted(int(b), index) for b in near[frames].tolist()]
        return Landmarks(
            image, world, self.t, self.size, self.person, self.unsure, self.covered, near
        )

    def flipped(self) -> Landmarks:
        """The pose as a mirror-symmetric model would read the picture flipped left to right
        (image x → 1 − x, world x → −x, left and right exchanged): a receiver on her right side
        made from one on her left, to show the measures assume neither side."""
        swapped = self.mirrored(np.ones(len(self.t), dtype=bool))
        image, world = swapped.image, swapped.world
        image[..., 0] = 1.0 - image[..., 0]
        world[..., 0] = -world[..., 0]
        return swapped

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for `np.savez` (the inverse of `from_arrays`)."""
        return {
            "image": self.image,
            "world": self.world,
            "t": self.t,
            "size": np.array(self.size, dtype=np.int64),
            "person": np.array(self.person, dtype=np.int64),
            "identity_unsure": self.identity_unsure,
            "wrists_covered": self.wrists_covered,
            "near": self.near_bits,
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> Landmarks:
        """Rebuild from `to_arrays` output (e.g. an opened ``.npz`` file)."""
        size = np.asarray(arrays["size"]).tolist()
        person = int(np.asarray(arrays.get("person", 0)))
        unsure = arrays.get("identity_unsure")
        covered = arrays.get("wrists_covered")
        near = arrays.get("near")
        return cls(
            arrays["image"],
            arrays["world"],
            arrays["t"],
            (size[0], size[1]),
            person,
            unsure,
            covered,
            near,
        )

    @classmethod
    def frame(
        cls,
        image: NDArray[np.float32],
        world: NDArray[np.float32],
        t: float,
        size: tuple[int, int],
        unsure: bool = False,
        covered: bool = False,
        near: int | None = None,
    ) -> Landmarks:
        """One frame from its (33, 4) float32 image and world landmarks: `Landmarks(image[None],
        world[None], [t], size, unsure=[unsure], covered=[covered])` without the general
        checks' numpy calls (~10 µs, a live frame's: issue 15). Anything else, and a size not
        positive, goes through them (and is refused in their words)."""
        if (
            len(size) != 2
            or image.shape != _ONE
            or world.shape != _ONE
            or image.dtype != np.float32
            or world.dtype != np.float32
            or type(size[0]) is not int
            or type(size[1]) is not int
            or size[0] <= 0
            or size[1] <= 0
        ):
            return cls(
                image[None],
                world[None],
                np.array([t], np.float64),
                size,
                unsure=np.array([unsure]),
                covered=np.array([covered]),
                near=None if near is None else np.array([near], np.int64),
            )
        lm = cls.__new__(cls)
        lm.__dict__.update(  # the fields `__post_init__` would leave (a frozen dataclass)
            image=image[None],
            world=world[None],
            t=np.array([float(t)]),
            size=(size[0], size[1]),
            person=0,
            unsure=_FLAG[bool(unsure)],
            covered=_FLAG[bool(covered)],
            near=_near_one(bool(covered), near),
            _pixels={},
            _floats=[],
        )
        return lm

    @classmethod
    def empty(cls, size: tuple[int, int]) -> Landmarks:
        """Zero frames."""
        shape = (0, N_LANDMARKS, 4)
        return cls(np.zeros(shape, np.float32), np.zeros(shape, np.float32), np.zeros(0), size)


#: One frame's landmarks' shape.
_ONE = (N_LANDMARKS, 4)
#: One frame's flag arrays (read-only, shared by every live frame: `Landmarks.frame`).
_FLAG = (np.array([False]), np.array([True]))
for _flag in _FLAG:
    _flag.flags.writeable = False


#: `arms_cover.ARMS_BITS` (not imported: `arms_cover` imports this module): the wrists, elbows
#: and shoulders.
_ARMS_BITS = sum(1 << k for k in (LEFT_WRIST, RIGHT_WRIST, LEFT_ELBOW, RIGHT_ELBOW,
                                  LEFT_SHOULDER, RIGHT_SHOULDER))  # fmt: skip
#: One frame's `near` arrays for no near landmark and for her arms only (read-only, shared).
_NEAR = (np.zeros(1, np.int64), np.array([_ARMS_BITS], np.int64))
for _n in _NEAR:
    _n.flags.writeable = False


def _near_one(covered: bool, near: int | None) -> NDArray[np.int64]:
    """One live frame's `near` array: given, or derived from `covered` (shared when it can be)."""
    if near is None:
        return _NEAR[covered]
    if near == 0:
        return _NEAR[0]
    return np.array([near], np.int64)


def _permuted(bits: int, index: NDArray[np.intp]) -> int:
    """A `near` bit mask with landmark `index[k]`'s bit moved to bit k (`mirrored`)."""
    return sum(1 << k for k in range(N_LANDMARKS) if bits >> int(index[k]) & 1)


def no_person() -> NDArray[np.float32]:
    """One frame's (33, 4) array for a frame without a person: all NaN."""
    return np.full((N_LANDMARKS, 4), np.nan, dtype=np.float32)


def stack(
    frames: Iterable[tuple[float, NDArray[np.float32], NDArray[np.float32]]],
    size: tuple[int, int],
    unsure: Iterable[bool] | None = None,
    covered: Iterable[bool] | None = None,
    near: Iterable[int] | None = None,
) -> Landmarks:
    """Landmarks from per-frame ``(t, image (33, 4), world (33, 4))`` tuples (and, per frame,
    whether the receiver's identity was unsure and whether her arms lay at someone else's
    body: `Landmarks.covered`)."""
    items = list(frames)
    if not items:
        return Landmarks.empty(size)
    t = np.array([item[0] for item in items], dtype=np.float64)
    image = np.stack([item[1] for item in items]).astype(np.float32)
    world = np.stack([item[2] for item in items]).astype(np.float32)
    flags = None if unsure is None else np.fromiter(unsure, bool, count=len(items))
    cover = None if covered is None else np.fromiter(covered, bool, count=len(items))
    close = None if near is None else np.fromiter(near, np.int64, count=len(items))
    return Landmarks(image, world, t, size, unsure=flags, covered=cover, near=close)
