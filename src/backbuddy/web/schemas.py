"""Versioned JSON messages on the session socket (docs/protocol.md), apart from domain types.

The page never sends time: the server stamps every event with its own session
clock, so time in the engine only goes forwards. Page events pass through
`domain.events.from_dict`, the one gate for outside data; these models only check
the envelope. Frames travel as binary messages and have no model here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backbuddy.web.page_events import PAGE_FIELDS

PROTOCOL_VERSION: Literal[1] = 1
#: Event kinds a page may send; begin, tick, pose and voice come from the server only. The
#: fields it may set in each: `page_events.PAGE_FIELDS`.
PAGE_EVENTS: frozenset[str] = frozenset(PAGE_FIELDS)
ErrorCode = Literal[
    "bad_message",
    "bad_version",
    "unknown_event",
    "refused_event",
    "too_big",
    "not_an_image",
    "too_many_frames",
    "already_connected",
    "unknown_session",
    "forbidden",
    "not_supported",
    "camera_failed",
    "camera_frozen",
    "camera_late",
    "screening_changed",
    "store_failed",
    "too_many_messages",
    "server_failed",
    "bad_audio",
    "too_much_audio",
    "not_listening",
    "unpaired",
    "screening_blocked",
    "symptom_elsewhere",
]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1] = PROTOCOL_VERSION


# ── page → server ─────────────────────────────────────────────────────────────


class EventIn(_Message):
    """A button or key press: `{"v": 1, "type": "event", "event": {"event": "stop", ...}}`."""

    type: Literal["event"]
    event: dict[str, Any]
    #: The page's own id for the press, echoed back so it can time the round trip.
    ref: str | None = Field(default=None, max_length=40)


Finite = Annotated[float, Field(allow_inf_nan=False)]
Point = Annotated[list[Finite], Field(min_length=4, max_length=4)]


class LandmarksIn(_Message):
    """For pages that run the pose model themselves: one frame's landmarks, not its pixels.
    The page sends them as the binary message (`page_landmarks`); this JSON form is still
    accepted, with the same checks.

    `image`: 33 × [x, y, z, visibility], x and y in 0..1 of the frame; null when no
    person is in view. `world`: 33 × [x, y, z, visibility] in metres (MediaPipe's
    world landmarks), or null. `size`: the frame's [width, height] in pixels. `ms`: when
    the page captured the frame, in milliseconds on its own clock (optional; ranges and
    time order are checked by `page_pose.admit`).
    """

    type: Literal["landmarks"]
    image: list[Point] | None = Field(min_length=33, max_length=33)
    world: list[Point] | None = Field(default=None, min_length=33, max_length=33)
    size: tuple[Annotated[int, Field(gt=0, le=8192)], Annotated[int, Field(gt=0, le=8192)]]
    ms: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    #: With the two-person step: the page-time `ms` of the role answer whose receiver's box
    #: the page cropped to; null when it had none (the whole frame: the identity is unsure).
    role_ms: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None


#: A role frame's JPEG as base64 text: at most this many characters (~70 KB of JPEG; a
#: 384-pixel frame at quality 0.7 is 10–25 KB).
MAX_ROLE_JPEG_CHARS = 96 * 1024


class RoleFrameIn(_Message):
    """With the two-person step (`hello.roles`), while the page runs the pose model itself: a
    small JPEG (at most 384 px on its long side) a few times a second, for telling the
    receiver from the assistant only (`page_roles`); the server keeps none of them. `ms`:
    when the page captured it, on the same clock as the landmarks' `ms`."""

    type: Literal["role_frame"]
    ms: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    jpeg: str = Field(min_length=4, max_length=MAX_ROLE_JPEG_CHARS)


#: One person the page's people detector found: 17 COCO keypoints [x, y, score] (x, y in
#: fractions of the frame), the box [x0, y0, x1, y1] (fractions), the person's score. Numbers
#: only (strict: `true` or "0.5" is no coordinate), as are its time and the frame's sides.
Number = Annotated[float, Field(allow_inf_nan=False, strict=True)]
Side = Annotated[int, Field(gt=0, le=8192, strict=True)]
Keypoint = Annotated[list[Number], Field(min_length=3, max_length=3)]
PersonRow = tuple[
    Annotated[list[Keypoint], Field(min_length=17, max_length=17)],
    Annotated[list[Number], Field(min_length=4, max_length=4)],
    Number,
]


class RolePeopleIn(_Message):
    """With the two-person step, while the page runs the people detector itself (MoveNet
    MultiPose through `@litertjs/core`): everyone it found in one camera frame, instead of
    the frame (`role_people`). The server applies its own role rule to them and answers
    as for a role frame (`RoleOut`). `ms`: when the page captured the frame, on the clock of
    the landmarks' `ms`; `size`: the frame's [width, height]; at most six people (MoveNet's
    rows). Ranges and time order: `role_people.check`."""

    type: Literal["role_people"]
    ms: Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
    size: tuple[Side, Side]
    people: list[PersonRow] = Field(max_length=6)


# ── server → page ─────────────────────────────────────────────────────────────


class Hello(_Message):
    """First message on a socket: what the page should do."""

    type: Literal["hello"] = "hello"
    session: int
    technique: str
    camera: bool
    max_frame_bytes: int
    max_fps: float
    #: The least frames a second the technique's speed watch needs (`video.min_fps`; 0: the
    #: page's own floor): the camera asks for at least this, the page's pose model falls back
    #: to the server below it, and the engine pauses below it (`rules.too_slow`).
    min_fps: float = 0.0
    #: The server can listen to the page's microphone (`audio_rate` Hz, docs/protocol.md);
    #: when not, `listen_problem` says why and the page says "say stop to your partner".
    listening: bool = False
    listen_problem: str | None = None
    audio_rate: int = 16_000
    max_audio_samples: int = 4096
    #: The honest lines about stopping, for the caption of the engine's "Say stop, …" cue.
    stop_any_time: str = ""
    say_listening: str = ""
    say_not_listening: str = ""
    #: The two-person step is on: a page that runs the pose model sends role frames, or,
    #: when it runs the people detector too, the people it found (`role_people`).
    roles: bool = False
    #: Why the page must not run its own pose model in this session (`page_pose.refusal`:
    #: the technique's two-person path was measured to stop a jerk too late there), or None.
    #: The page then sends frames; the server refuses landmarks (`not_supported`).
    page_pose_refused: str | None = None


class CheckOut(_Message):
    id: str
    text: str
    ok: bool | None = None
    hint: str | None = None


class StateOut(_Message):
    """The engine's state as the page shows it; sent whenever it changes."""

    type: Literal["state"] = "state"
    t: float
    mode: str
    phase: str | None
    setup_step: str | None
    attempts: int
    attempts_max: int
    attempts_left: int
    camera: bool
    tracked: bool | None
    checks: list[CheckOut]
    placement_hint: str | None = None
    #: The set-up page's picture for the hint (`placement_hints.PICTURES`), None before known.
    placement_picture: str | None = None
    gentle_speed_deg_s: float
    hard_speed_deg_s: float
    max_range_deg: float
    ended: bool
    end_reason: str | None
    #: A phone as the camera (`web.phone`): none, paired, or streaming.
    phone: Literal["none", "paired", "streaming"] = "none"


class SpokenPart(_Message):
    """One sentence to speak: `url` of its rendered WAV, or None (the page's own voice says it)."""

    text: str
    url: str | None = None
    #: Where we speak less (our echo is loud, the hands are on): silence after it, seconds.
    gap_s: float | None = None


class CuesOut(_Message):
    """Cues to show and say, in order, already stored (I7); `speech`: the sentences to speak."""

    type: Literal["cues"] = "cues"
    cues: list[dict[str, Any]]
    ref: str | None = None
    replay: bool = False
    speech: list[SpokenPart] | None = None


class HeardOut(_Message):
    """What the microphone heard: a voice starting, words, or a click (`confidence` 0..1).

    `ref` is echoed on the cues it caused; `check`: the words confirmed the microphone check.
    """

    type: Literal["heard"] = "heard"
    kind: Literal["voice", "words", "pop"]
    text: str | None = None
    meaning: Literal["stop", "okay", "other"] | None = None
    confidence: float | None = None
    #: Heard while the page spoke: maybe the page's own sound (a click is still a pop; a
    #: stop still halts but does not confirm the microphone check).
    during_speech: bool = False
    ref: str | None = None
    check: bool = False


class ListeningOut(_Message):
    """Listening changed: the microphone check heard "stop", or the server cannot listen."""

    type: Literal["listening"] = "listening"
    #: "loud_echo": our own voice is as loud as a person's in the microphone (no echo
    #: cancellation): the cues where the hands are on are spoken in pieces with silences.
    state: Literal["checked", "unavailable", "loud_echo"]
    heard: str | None = None
    message: str | None = None
    speech: list[SpokenPart] | None = None


class FrameOut(_Message):
    """What the camera watch saw on one frame: landmarks (x, y, visibility) for the overlay."""

    type: Literal["frame"] = "frame"
    t: float
    seq: int
    tracked: bool
    #: "unsure" when the two-person step could not say this pose is the receiver's.
    identity: Literal["receiver", "unsure"] = "receiver"
    landmarks: list[list[float]] | None
    checks: dict[str, bool | None]
    measure: float | None
    speed_deg_s: float
    range_deg: float
    analyze_ms: float
    #: Frames or landmarks messages analysed since the previous answer, this one included:
    #: page landmarks that change nothing shown are answered at most 10 a second
    #: (`frame_answers`), so one answer may stand for several.
    analysed: int = 1


Keypoints = list[Annotated[list[float], Field(min_length=3, max_length=3)]]


class MaskRule(BaseModel):
    """How the page draws and keeps its grey over the others (`static/js/mask.js`): the
    server's own figures (`motion.grey_mask`): a keypoint trusted from `min_score`, moved past
    `slack` of the person's size, an untrusted one kept `forget_ms`, new grey faded in over
    `fade_frames`; the receiver's own cut-out moves past `follow_slack` instead, part of the
    way per answer (time constant `follow_ms`, at most `follow_max` of it); limbs `limb`, the
    head `head_r` of the body's long side, the others drawn × `others_scale`. `fades`: the
    technique's grey fades (`VideoNeeds.grey_fades`): grey the others' drawing no longer covers
    fades out over `fade_out_frames`, and the receiver's cut-out is `cut_scale` wide where it
    borders their drawn arms (`adapters.receiver_grey.ramped`, `cut_targets`).
    `grey_assistant`: false, nothing is greyed (`VideoNeeds.grey_assistant`): the page crops
    to the receiver and shows its model the crop as the camera took it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slack: float
    forget_ms: float
    fade_frames: int
    follow_slack: float
    follow_ms: float
    follow_max: float
    min_score: float
    limb: float
    head_r: float
    others_scale: float
    fades: bool
    grey_assistant: bool
    fade_out_frames: int
    cut_scale: float


class RoleOut(_Message):
    """The answer to one role frame (`ms`: its page time): the receiver's box (x0, y0, x1, y1)
    and 17 keypoints (x, y, score), everyone else's keypoints, all in 0..1 of the frame; or
    `identity` "unsure" with no box (the page then crops to nothing and its landmarks are
    unsure)."""

    type: Literal["role"] = "role"
    ms: float
    identity: Literal["receiver", "unsure"]
    reason: str
    box: tuple[float, float, float, float] | None
    receiver: Keypoints | None
    others: list[Keypoints]
    #: Their boxes, in the same order (a body's size sets how wide the page greys it).
    others_boxes: list[tuple[float, float, float, float]] = Field(default_factory=list)
    #: Page ms after this answer when the server wants the next role frame (few while the
    #: roles settle, then a keep-alive every 2 s; 0: at once).
    next_ms: float | None = None
    #: The steady mask's figures (the server's, so page and server grey alike).
    mask: MaskRule | None = None


class RoleWantedOut(_Message):
    """The server wants a role frame now: the page's landmarks broke their continuity (a jump,
    a gap, the torso unseen) or drifted, so who is who must be looked at again; until an
    answer comes, the landmarks' identity is unsure (`page_roles`)."""

    type: Literal["role_wanted"] = "role_wanted"
    reason: str


class CameraMovingOut(_Message):
    """The camera's picture moves again after a `camera_frozen` error: its alert can go."""

    type: Literal["camera_moving"] = "camera_moving"


class CameraLiveOut(_Message):
    """The page's landmarks arrive in time again after a `camera_late` error: its alert can
    go. Without it the phone kept "arriving late" up after the lag was over (CI, stop 31)."""

    type: Literal["camera_live"] = "camera_live"


class ErrorOut(_Message):
    """Something the page sent was refused; `fatal` means the socket closes next."""

    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    fatal: bool = False
    #: A fatal error the pair must hear (their hands are on): the sentences to speak.
    speech: list[SpokenPart] | None = None
