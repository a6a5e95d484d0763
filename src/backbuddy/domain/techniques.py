"""Techniques as data: the guide's two routines, validated when loaded.

A technique is a YAML file under `backbuddy/data/techniques/`. Every instruction
carries `source`, the guide sentence it comes from (a test checks each occurs
verbatim in the guide). A malformed file fails with its path, field and reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from backbuddy.domain.errors import DefinitionError, UnknownTechnique

Region = Literal["thoracic", "lumbar"]
PhaseKind = Literal["breathe_in", "mobilise", "hold", "release", "rest"]
#: What the breath does in a phase. There is no breath hold: holding the breath is a
#: reason to stop (clinical-facts §3), so "hold" is a phase (hold the position), not a breath.
Breath = Literal["in", "out", "gentle", "normal"]
#: The longest run of phases without an inhale that a movement may span: one comfortable
#: exhale. Slow paced breathing is ~6 breaths a minute (5 s in, 5 s out; clinical-facts §4);
#: 8 s leaves room for a slow, relaxed exhale and stays well short of holding the breath.
MAX_EXHALE_S = 8.0
#: Phases in which the body moves (toward the stretch, holding it, or back).
MOVING_PHASES = frozenset({"mobilise", "hold", "release"})
Role = Literal["receiver", "assistant"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(_Model):
    """A piece of text with the guide sentence that justifies it."""

    text: str = Field(min_length=1)
    source: str = Field(min_length=1)


class Check(_Model):
    """A posture check the camera layer evaluates: `measure` must lie within [min, max]."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=1, description="plain words for the pair, e.g. 'Sit upright'")
    measure: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    min: float
    max: float
    unit: Literal["deg", "ratio"] = "deg"
    hint_low: str = Field(min_length=1, description="what to say when the value is below min")
    hint_high: str = Field(min_length=1, description="what to say when the value is above max")
    source: str = Field(min_length=1)
    #: Read from landmarks the assistant's hold covers (the hug: her hands; the side-lying
    #: rotation: her top shoulder, hip and knee): while one of the landmarks its measure reads
    #: (`motion.arms_cover.READS`) lies near the assistant's drawn body the image cannot read it,
    #: and the verdict seen with her alone counts (`motion.checks.cover`; docs/accuracy.md).
    read_alone: bool = False
    #: With `read_alone`: read while covered, a median over `COVERED_MEDIAN_S` above this says
    #: the hands moved away under the assistant's (the hug: arms let down after she was seen
    #: with them crossed), and the verdict seen with her alone is forgotten.
    covered_fails_above: float | None = None
    #: With `read_alone`: read while covered, her elbows' drop below the shoulders (trunk
    #: lengths, `motion.joints.elbow_drop`; the elbows stay seen where the wrists are dim)
    #: risen over a short median by more than this above its reading with her alone says her
    #: arms were let down under the assistant's hold: the verdict seen alone is forgotten.
    covered_elbows_rise_above: float | None = Field(default=None, gt=0)
    #: With `read_alone`: read with her apart, while the reading rises faster than
    #: `rising_per_s` (units a second, since the previous frame apart), a pass needs it
    #: `rising_margin` under max (`checks._rising`): the reading lags the truth while the hands
    #: move fast. Both or neither; it only ever takes a pass away.
    rising_per_s: float | None = Field(default=None, gt=0)
    rising_margin: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _range(self) -> Check:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        if self.covered_fails_above is not None and not (
            self.read_alone and self.covered_fails_above > self.max
        ):
            raise ValueError("covered_fails_above needs read_alone and must lie above max")
        if self.covered_elbows_rise_above is not None and not self.read_alone:
            raise ValueError("covered_elbows_rise_above needs read_alone")
        if (self.rising_per_s is None) != (self.rising_margin is None):
            raise ValueError("rising_per_s and rising_margin go together")
        if self.rising_per_s is not None and not self.read_alone:
            raise ValueError("rising_per_s and rising_margin need read_alone")
        return self


class SetupStep(_Model):
    """One set-up step: who does what, and which checks prove it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    receiver: Sourced
    assistant: Sourced
    checks: tuple[str, ...] = ()
    camera_hint: str | None = None
    #: Who confirms the step is done: the camera (its checks held for a second) or only the
    #: pair's `ready` (a step whose checks cannot prove it, e.g. the assistant's position).
    confirm: Literal["camera", "pair"] = "camera"
    #: The assistant's hands are on the receiver in this step: a voice pauses it at once
    #: (nobody waits for the words), as in the movement (docs/voice.md "Hands on").
    hands_on: bool = False


class Phase(_Model):
    """One breath-paced phase of an attempt."""

    id: PhaseKind
    breath: Breath
    seconds: float = Field(gt=0, le=30)
    text: str
    receiver: Sourced | None = None
    assistant: Sourced | None = None
    #: The assistant's hands are on the receiver (or moving them) in this phase: a voice
    #: pauses it at once. `mobilise` and `hold` always are (validated).
    hands_on: bool = False


class Limits(_Model):
    """Movement limits; `config` may tighten these, never loosen them."""

    gentle_speed_deg_s: float = Field(gt=0, le=30)
    hard_speed_deg_s: float = Field(gt=0, le=60)
    max_range_deg: float = Field(gt=0, le=45)
    attempts: int = Field(ge=1, le=3)
    pop_rest_min: float = Field(ge=20)
    speed_halts_to_end: int = Field(default=2, ge=1, le=3)

    @model_validator(mode="after")
    def _ordered(self) -> Limits:
        if self.gentle_speed_deg_s >= self.hard_speed_deg_s:
            raise ValueError("gentle_speed_deg_s must be below hard_speed_deg_s")
        return self

    def tightened(self, other: Limits) -> Limits:
        """The stricter of each limit: the way settings and caution combine."""
        return Limits(
            gentle_speed_deg_s=min(self.gentle_speed_deg_s, other.gentle_speed_deg_s),
            hard_speed_deg_s=min(self.hard_speed_deg_s, other.hard_speed_deg_s),
            max_range_deg=min(self.max_range_deg, other.max_range_deg),
            attempts=min(self.attempts, other.attempts),
            pop_rest_min=max(self.pop_rest_min, other.pop_rest_min),
            speed_halts_to_end=min(self.speed_halts_to_end, other.speed_halts_to_end),
        )


class PlacementRegion(_Model):
    """Where the camera may stand for this technique's measures to hold (issue 12).

    Generated from the truth run (`tools/calibrate/regions.py`), not written by hand: the
    azimuth and elevation ranges that hold every truth placement where the measure met its
    goals, and none where it did not. Degrees: azimuth 0 = straight in front of the
    receiver's chest, 90 = the receiver's side (+ toward the receiver's left when seated, toward
    the head when lying); elevation 0 = level, + = the camera looks down on the receiver.
    `mirrored`: the body is symmetric for this technique, so the region holds for |azimuth|.
    `lying_side`: the side every truth receiver lay on ("left": the right hip on top); the region
    holds for that side only (the other is the mirror image, and MediaPipe does not read a
    mirrored picture the same: red team, session 11). None: not a lying technique.
    Both ranges null: no placement of the truth run could be told valid, so every one is refused.
    """

    azimuth_deg: tuple[float, float] | None
    elevation_deg: tuple[float, float] | None
    mirrored: bool = False
    lying_side: Literal["left", "right"] | None = None
    evidence: str = Field(min_length=1, description="which truth run the region comes from")

    @model_validator(mode="after")
    def _ordered(self) -> PlacementRegion:
        az, el = self.azimuth_deg, self.elevation_deg
        if az is None or el is None:
            if az is not el:
                raise ValueError("give both azimuth_deg and elevation_deg, or neither (none valid)")
            return self
        for name, (lo, hi) in (("azimuth_deg", az), ("elevation_deg", el)):
            if lo > hi:
                raise ValueError(f"{name}: {lo} is above {hi}")
        if not (az[0] >= -180 and az[1] <= 180):
            raise ValueError("azimuth_deg must lie within [-180, 180]")
        if not (el[0] >= -90 and el[1] <= 90):
            raise ValueError("elevation_deg must lie within [-90, 90]")
        return self

    @property
    def none_valid(self) -> bool:
        """True when the truth run found no placement the gate can accept."""
        return self.azimuth_deg is None or self.elevation_deg is None

    def contains(self, azimuth_deg: float, elevation_deg: float, margin: float = 0.0) -> bool:
        """Is the placement inside the region shrunk by `margin` (grown when negative)?"""
        if self.azimuth_deg is None or self.elevation_deg is None:
            return False
        az = abs(azimuth_deg) if self.mirrored else azimuth_deg
        a_lo, a_hi = self.azimuth_deg
        e_lo, e_hi = self.elevation_deg
        return a_lo + margin <= az <= a_hi - margin and e_lo + margin <= elevation_deg <= (
            e_hi - margin
        )


#: A measured frame rate this share of `VideoNeeds.min_fps` meets it (a dropped frame now and
#: then): the camera layer's gate and the engine read the rate against the same figure.
RATE_TOLERANCE = 0.95
#: The frame rate the speed watch gets is the frames counted over the latest this many seconds
#: (an average, as bursty delivery leaves the gaps it leaves), read once they span at least
#: `RATE_MIN_SPAN_S`: the camera layer's placement gate and the engine read it alike.
RATE_WINDOW_S = 2.0
RATE_MIN_SPAN_S = 1.0 / 3.0


class VideoNeeds(_Model):
    """What the camera's video must give for this technique's measures to hold (issue 12, item 5).

    Measured on phone-like versions of the truth clips (`bench/truth_phone.py`,
    docs/accuracy.md), not guessed: `min_fps`, the frame rate (read from the frames' own times)
    below which a true jerk was not stopped in time or a slow movement read too fast
    (`tools/calibrate/rate_table.py` on the clean truth clips, docs/accuracy.md "Frame rate";
    the engine refuses a move cue and pauses a movement below it, `rules.too_slow`);
    `landscape`, True when an upright (portrait) picture lost the receiver; `min_short_side_px`,
    the picture's shorter side (pixels) below which MediaPipe lost the joints a check needs;
    `max_still_jitter_deg`, the primary measure's jitter on a still receiver (a robust standard
    deviation, its own units: `motion.still_jitter`) above which a slow movement false-halted
    or read too fast. Zero / False: no need.
    """

    min_fps: float = Field(default=0.0, ge=0, le=60)
    landscape: bool = False
    min_short_side_px: int = Field(default=0, ge=0, le=2160)
    max_still_jitter_deg: float = Field(default=0.0, ge=0, le=10)
    #: The page's own pose model may run while the two-person step is on. False where, with
    #: the assistant in view, the page's path (its model on the grey-masked crop between role
    #: answers) stopped a true jerk later than the goal where the server's path did not
    #: (`tools/calibrate/page_halts.py`, docs/accuracy.md): the camera watch then runs on
    #: the server.
    page_two_people: bool = True
    #: The server's two-person step fades out the assistant's grey a look no longer draws,
    #: widens the receiver's cut-out beside his arms and keeps his joints out of it
    #: (`ReceiverPose.grey_fades`; measured on the Seated Hug, docs/accuracy.md sessions 22-23).
    #: Only with `page_two_people` False: the page's grey (static/js/mask.js) fades and widens
    #: when told (`MaskRule.fades`) but does not keep his joints out of her cut-out (measured on
    #: the server only), and where the page may find the people itself its pose model must be
    #: shown the server's picture.
    grey_fades: bool = False
    #: The placement gate reads the view only from frames where the receiver's shoulders and
    #: hips lie apart from the assistant's drawn body (`Landmarks.near`): his hands on her move
    #: the view read from her landmarks though the camera stays put (session 24: 7-10 degrees
    #: on the side-lying floor). The view read with her apart is kept until the camera is seen
    #: to move; never read apart, the gate stays shut and asks him to let go for a moment.
    view_read_alone: bool = False
    #: The two-person step greys the assistant's drawn body over the receiver's crop before the
    #: pose model sees it, on both paths (the server's `ReceiverPose`, the page's
    #: static/js/mask.js, told by `MaskRule.grey_assistant`). False: nothing is greyed; the step
    #: still finds the people, crops to her and checks MediaPipe's torso sits on hers (the
    #: identity guard), and still marks her landmarks near him (`Landmarks.near`). On the
    #: side-lying floor his grey moved her top ankle 8 px and her top knee 13 px under his hands
    #: (session 25, twist25: docs/accuracy.md "Session 25 (twist25)").
    grey_assistant: bool = True
    evidence: str = ""

    @model_validator(mode="after")
    def _grey_agrees(self) -> VideoNeeds:
        if self.grey_fades and self.page_two_people:
            raise ValueError(
                "video.grey_fades needs page_two_people: false (the page's grey does not keep "
                "the assistant's joints out of the receiver's cut-out; the page and the server "
                "must show the pose model the same picture)"
            )
        if self.grey_fades and not self.grey_assistant:
            raise ValueError(
                "video.grey_fades needs grey_assistant: true (with nothing greyed over the "
                "assistant there is no grey to fade; set grey_fades: false)"
            )
        return self


class Caution(_Model):
    """How a `caution` screening outcome narrows the technique."""

    range_factor: float = Field(gt=0, le=1)
    speed_factor: float = Field(gt=0, le=1)
    attempts: int = Field(ge=1, le=3)
    text: str


class Technique(_Model):
    """A complete, validated technique."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    region: Region
    purpose: str
    source: tuple[str, ...] = Field(min_length=1)
    roles: dict[Role, Sourced]
    camera: str
    placement: PlacementRegion | None = None
    video: VideoNeeds = VideoNeeds()
    primary_measure: str
    checks: tuple[Check, ...]
    #: Seconds (camera clock) the set-up checks must pass in a row, seen frame after frame,
    #: before the step counts as done, by the camera or by the pair's `ready`: one lucky frame
    #: of a reading that flickers across its limit is not a position (red team, session 13).
    checks_hold_s: float = Field(default=1.0, ge=0.3, le=5.0)
    #: Seconds (camera clock) after the receiver's arms first lie on the assistant's body (a
    #: `covered` pose rising: a new hold) before an attempt may start or a movement cue come:
    #: the pose model's landmarks of her jump as he takes hold, and the speed watch would read
    #: the jolt as her moving (docs/accuracy.md "His arrival"). 0: no wait (not measured).
    hold_settle_s: float = Field(default=0.0, ge=0.0, le=5.0)
    #: With a settle (`hold_settle_s` > 0) and a camera layer that sees the hold
    #: (`Begin.sees_hold`): seconds a `ready` for the step where the assistant takes hold
    #: (`hands_on`) is refused while no hold is seen, from the first such refusal, before the
    #: step goes on without one (a placement where his hands are never read on her arms),
    #: the settle started at that press (docs/accuracy.md "A Ready before his hold").
    hold_wait_s: float = Field(default=5.0, ge=0.0, le=30.0)
    setup: tuple[SetupStep, ...] = Field(min_length=1)
    phases: tuple[Phase, ...] = Field(min_length=1)
    limits: Limits
    caution: Caution
    cautions: tuple[Sourced, ...] = ()
    stop_rules: tuple[Sourced, ...] = Field(min_length=1)

    @field_validator("roles")
    @classmethod
    def _both_roles(cls, roles: dict[str, Sourced]) -> dict[str, Sourced]:
        missing = {"receiver", "assistant"} - set(roles)
        if missing:
            raise ValueError(f"missing role(s): {', '.join(sorted(missing))}")
        return roles

    @field_validator("checks")
    @classmethod
    def _unique_checks(cls, checks: tuple[Check, ...]) -> tuple[Check, ...]:
        ids = [c.id for c in checks]
        if len(ids) != len(set(ids)):
            raise ValueError("check ids must be unique")
        return checks

    @field_validator("setup")
    @classmethod
    def _known_checks(
        cls, setup: tuple[SetupStep, ...], info: ValidationInfo
    ) -> tuple[SetupStep, ...]:
        if "checks" not in info.data:  # the checks themselves are wrong: reported there
            return setup
        ids = {c.id for c in info.data["checks"]}
        for step in setup:
            unknown = set(step.checks) - ids
            if unknown:
                raise ValueError(
                    f"setup step {step.id!r} names unknown check(s): {sorted(unknown)}"
                )
        return setup

    @field_validator("phases")
    @classmethod
    def _one_mobilise_on_the_exhale(cls, phases: tuple[Phase, ...]) -> tuple[Phase, ...]:
        kinds = [p.id for p in phases]
        if kinds.count("mobilise") != 1:
            raise ValueError("phases need exactly one 'mobilise' phase")
        if kinds.count("rest") != 1:
            raise ValueError("phases need exactly one 'rest' phase (a pause resumes there)")
        if any(p.id in ("mobilise", "hold") and not p.hands_on for p in phases):
            raise ValueError("the 'mobilise' and 'hold' phases are hands-on (hands_on: true)")
        if phases[kinds.index("mobilise")].breath != "out":
            raise ValueError("the 'mobilise' phase must be on the exhale (breath: out)")
        longest = max(exhale_runs(phases), default=0.0)
        if longest > MAX_EXHALE_S:
            raise ValueError(
                f"the movement spans {longest:g} s without breathing in; "
                f"one comfortable exhale is at most {MAX_EXHALE_S:g} s"
            )
        return phases

    def check(self, check_id: str) -> Check:
        return next(c for c in self.checks if c.id == check_id)

    def instructions(self) -> Iterable[Sourced]:
        """Every sourced instruction, for the test that quotes the guide."""
        yield from self.roles.values()
        yield from self.cautions
        yield from self.stop_rules
        for step in self.setup:
            yield step.receiver
            yield step.assistant
        for phase in self.phases:
            if phase.receiver:
                yield phase.receiver
            if phase.assistant:
                yield phase.assistant


def exhale_runs(phases: tuple[Phase, ...]) -> list[float]:
    """Seconds of each run of consecutive phases without an inhale that contains movement.

    The cycle repeats (rest leads to the next breath in), so a run may wrap around.
    """
    n = len(phases)
    if all(p.breath != "in" for p in phases):  # never an inhale: the whole cycle is one run
        moving = any(p.id in MOVING_PHASES for p in phases)
        return [sum(p.seconds for p in phases)] if moving else []
    starts = [i for i in range(n) if phases[i].breath != "in" and phases[i - 1].breath == "in"]
    runs: list[float] = []
    for start in starts:
        seconds, moving, i = 0.0, False, start
        while phases[i % n].breath != "in":
            seconds += phases[i % n].seconds
            moving = moving or phases[i % n].id in MOVING_PHASES
            i += 1
        if moving:
            runs.append(seconds)
    return runs


def default_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "techniques"


def load_file(path: Path) -> Technique:
    """Load one technique file; any problem becomes a DefinitionError naming file and field.
    A text parsed before is not parsed again: every session start reads both techniques, and
    parsing and validating them took 70–150 ms of the web server's event loop each time."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise DefinitionError(f"{path}: cannot read technique file ({err.strerror})") from None
    return _parsed(path, text)


@lru_cache(maxsize=16)
def _parsed(path: Path, text: str) -> Technique:
    """`load_file` for one text of a file (the key; a Technique is frozen, so sharing one is
    safe). Errors are not cached."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise DefinitionError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(raw, dict):
        raise DefinitionError(f"{path}: a technique file must be a mapping of fields")
    try:
        technique = Technique.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise DefinitionError(f"{path}: field {field}: {first['msg']}") from None
    if technique.id != path.stem:
        raise DefinitionError(f"{path}: field id: {technique.id!r} must match the file name")
    return technique


def load_all(directory: Path | None = None) -> dict[str, Technique]:
    """All techniques in a directory, keyed by id, in file-name order."""
    folder = directory or default_dir()
    return {t.id: t for t in (load_file(p) for p in sorted(folder.glob("*.yaml")))}


def get(technique_id: str, directory: Path | None = None) -> Technique:
    techniques = load_all(directory)
    if technique_id not in techniques:
        known = ", ".join(techniques)
        raise UnknownTechnique(f"unknown technique {technique_id!r}; known techniques: {known}")
    return techniques[technique_id]
