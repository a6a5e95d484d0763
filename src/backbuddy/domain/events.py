"""Events: everything that happens to a session, as frozen values.

Time arrives inside events (`t`, seconds since the session began, never going
backwards); the engine has no clock. `from_dict` is the one gate through which
outside data (JSONL, WebSocket messages) becomes an event; it rejects anything
malformed with an EventError naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal, get_args

from backbuddy.domain.errors import EventError

SensationKind = Literal[
    "comfortable_stretch",
    "discomfort",
    "sharp_pain",
    "localised_pain",
    "numbness",
    "tingling",
    "weakness",
    "dizziness",
    "chest_pain",
]
SENSATION_KINDS: tuple[str, ...] = get_args(SensationKind)
#: Sensations that halt the session for good and lead to aftercare and referral (I2).
#: The guide: "Acute, sharp, or localized pain immediately halts the activity."
SYMPTOMS: frozenset[str] = frozenset(
    {
        "sharp_pain",
        "localised_pain",
        "numbness",
        "tingling",
        "weakness",
        "dizziness",
        "chest_pain",
    }
)

StopSource = Literal["button", "key", "voice", "camera", "system"]
STOP_SOURCES: tuple[str, ...] = get_args(StopSource)
PopSource = Literal["reported", "audio"]
POP_SOURCES: tuple[str, ...] = get_args(PopSource)
Identity = Literal["receiver", "unsure"]
#: Who ended a session: the pair, or a screening answered since that no longer allows it.
EndWhy = Literal["pair", "screening"]
END_WHYS: tuple[str, ...] = get_args(EndWhy)
IDENTITIES: tuple[str, ...] = get_args(Identity)


@dataclass(frozen=True)
class Begin:
    """The pair starts the session; `at` is the wall-clock start, used to check the screening.

    `sees_hold`: the camera layer reports the assistant's hold (`Pose.covered`: the two-person
    step runs, on the server or the page); the set-up step where he takes hold then waits for a
    hold it has seen (`rules.hold_refusal`)."""

    t: float
    at: datetime | None = None
    camera: bool = False
    sees_hold: bool = False
    kind: Literal["begin"] = "begin"


@dataclass(frozen=True)
class Tick:
    """Time passes; drives breath pacing and phase changes."""

    t: float
    kind: Literal["tick"] = "tick"


@dataclass(frozen=True)
class Ready:
    """The pair confirms the current set-up step is done."""

    t: float
    kind: Literal["ready"] = "ready"


@dataclass(frozen=True)
class Stop:
    """STOP from any source: button, key, voice, camera, system."""

    t: float
    source: StopSource = "button"
    kind: Literal["stop"] = "stop"


@dataclass(frozen=True)
class Sensation:
    """The receiver reports what they feel.

    `elsewhere`: felt in another session for the same receiver (where, in words: "in
    session 12", "in an aftercare check"), stepped here by the server so this session
    stops too (`services.felt_elsewhere`); the engine takes it as the same symptom. Only
    the server sets it: a page may not (`web.session_socket`).
    """

    t: float
    sensation: SensationKind = "comfortable_stretch"
    elsewhere: str | None = None
    kind: Literal["sensation"] = "sensation"


@dataclass(frozen=True)
class Resistance:
    """The assistant (or receiver) feels resistance: stop there and hold."""

    t: float
    kind: Literal["resistance"] = "resistance"


@dataclass(frozen=True)
class Pop:
    """An audible pop or click happened: reported by the pair, or heard by the microphone.

    `confidence` (0..1) is the audio detector's; None for a reported pop.
    `during_speech`: heard while the page was speaking, so it may have been the page's own
    sound; still a pop (I6: a real one is never lost), said and stored as uncertain.
    """

    t: float
    source: PopSource = "reported"
    confidence: float | None = None
    during_speech: bool = False
    kind: Literal["pop"] = "pop"

    def __post_init__(self) -> None:
        c = self.confidence
        if c is not None and not (isinstance(c, int | float) and 0.0 <= c <= 1.0):
            raise EventError(f"event 'pop': field 'confidence' must be within 0..1, got {c!r}")


@dataclass(frozen=True)
class Pose:
    """What the camera layer measured on the latest frame.

    `failing` names the current step's checks that do not pass (empty when they
    do); `placement_ok` is False when the camera stands where the technique's
    measures are not valid; `identity` is "unsure" when the camera layer cannot
    tell the receiver from the assistant; `camera_moved` is True while the camera
    layer re-reads the view (view gain, baseline, placement) after the camera moved;
    `covered` is True while the receiver's arms lie on the assistant's body (his hold:
    `motion.arms_cover`), and its rise starts the wait for her landmarks to settle.
    Each defaults to the permissive value so a camera layer that does not measure it
    yet changes nothing.
    """

    t: float
    tracked: bool = True
    checks_ok: bool = True
    speed_deg_s: float = 0.0
    range_deg: float = 0.0
    sudden: bool = False
    failing: tuple[str, ...] = ()
    placement_ok: bool = True
    identity: Identity = "receiver"
    camera_moved: bool = False
    covered: bool = False
    kind: Literal["pose"] = "pose"


@dataclass(frozen=True)
class Voice:
    """The microphone heard a voice start (issue 10); `words` as recognised, if any.

    Recognised stop words arrive as `Stop(source="voice")`; the words are kept for the record.
    `lost`: instead, nothing can be heard any more (the microphone went quiet mid-session).
    """

    t: float
    words: str | None = None
    #: The microphone's sound stopped coming while backbuddy was listening: a spoken stop
    #: can no longer be heard (the web server's audio watch; red-team review).
    lost: bool = False
    kind: Literal["voice"] = "voice"


@dataclass(frozen=True)
class Resume:
    """The pair chooses to go on after a pause or a plain stop."""

    t: float
    kind: Literal["resume"] = "resume"


@dataclass(frozen=True)
class End:
    """The session ends: the pair ends it, or (`why="screening"`, from the server only) a
    screening answered since refuses or narrows it."""

    t: float
    why: EndWhy = "pair"
    kind: Literal["end"] = "end"


Event = Begin | Tick | Ready | Stop | Sensation | Resistance | Pop | Pose | Voice | Resume | End

EVENT_TYPES: dict[str, type[Event]] = {
    cls.__dataclass_fields__["kind"].default: cls  # type: ignore[misc]
    for cls in (Begin, Tick, Ready, Stop, Sensation, Resistance, Pop, Pose, Voice, Resume, End)
}
#: Each event type's field names, in order, and those `from_dict` takes (all but `kind`):
#: `dataclasses.fields` builds them anew on every call, and a live camera sends a pose a frame.
_FIELD_NAMES = {cls: tuple(f.name for f in fields(cls)) for cls in EVENT_TYPES.values()}
_ALLOWED = {kind: frozenset(_FIELD_NAMES[cls]) - {"kind"} for kind, cls in EVENT_TYPES.items()}
#: Optional fields left out of `to_dict` while they hold their default (smaller stored rows).
_QUIET_DEFAULTS = {
    "failing": (),
    "placement_ok": True,
    "identity": "receiver",
    "camera_moved": False,
    "covered": False,
    "sees_hold": False,
    "confidence": None,
    "during_speech": False,
    "words": None,
    "lost": False,
    "why": "pair",
    "elsewhere": None,
}


def to_dict(event: Event) -> dict[str, Any]:
    """JSON-ready form: `{"t": ..., "event": kind, ...fields}`."""
    # Fields hold numbers, flags, text, a datetime or a tuple of text (immutable): a shallow
    # copy is what `dataclasses.asdict` gives, without its deep copy (a pose every frame).
    data = {name: getattr(event, name) for name in _FIELD_NAMES[type(event)]}
    kind = data.pop("kind")
    if isinstance(data.get("at"), datetime):
        data["at"] = data["at"].isoformat()
    elif "at" in data and data["at"] is None:
        del data["at"]
    for name, default in _QUIET_DEFAULTS.items():
        if name in data and data[name] == default:
            del data[name]
    if "failing" in data:
        data["failing"] = list(data["failing"])
    return {"t": data.pop("t"), "event": kind, **data}


def from_dict(raw: Mapping[str, Any]) -> Event:
    """Build an event from outside data, naming precisely what is wrong if it cannot."""
    if not isinstance(raw, Mapping):
        raise EventError(f"an event must be a JSON object, got {type(raw).__name__}")
    kind = raw.get("event")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        known = ", ".join(EVENT_TYPES)
        raise EventError(f"unknown event {kind!r}; known events: {known}")
    cls = EVENT_TYPES[kind]
    allowed = _ALLOWED[kind]
    extra = sorted(str(name) for name in raw if name not in allowed and name != "event")
    if extra:
        raise EventError(f"event {kind!r} has unknown field(s): {', '.join(extra)}")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "event":
            continue
        values[name] = _check_field(kind, name, value)
    if "t" not in values:
        raise EventError(f"event {kind!r} needs a time field 't' (seconds)")
    return cls(**values)


def checked_pose(pose: Pose) -> Pose:
    """A pose our own camera layer built, held to the gate's rules: returned as it is when
    `from_dict(to_dict(pose))` would give it back unchanged (its numbers finite and not
    negative floats, its flags bools, its failing checks text, its identity known), and
    otherwise passed through that gate, which names what is wrong (issue 15: the round trip
    cost a live frame ~15 µs)."""
    numbers = (pose.t, pose.speed_deg_s, pose.range_deg)
    flags = (
        pose.tracked,
        pose.checks_ok,
        pose.sudden,
        pose.placement_ok,
        pose.camera_moved,
        pose.covered,
    )
    if (
        type(pose) is Pose
        and all(type(x) is float and x >= 0.0 and x - x == 0.0 for x in numbers)
        and all(type(f) is bool for f in flags)
        and type(pose.failing) is tuple
        and all(type(c) is str for c in pose.failing)
        and pose.identity in IDENTITIES
    ):
        return pose
    checked = from_dict(to_dict(pose))
    assert isinstance(checked, Pose)
    return checked


def _check_field(kind: str, name: str, value: Any) -> Any:
    if (kind, name) in _ENGINE_FIELDS:
        return _ENGINE_FIELDS[kind, name](kind, name, value)
    if name in ("t", "speed_deg_s", "range_deg"):
        return _number(kind, name, value)
    if name in ("tracked", "checks_ok", "camera", "sudden"):
        if not isinstance(value, bool):
            raise EventError(f"event {kind!r}: field {name!r} must be true or false")
        return value
    if name == "at":
        return _parse_at(kind, value)
    known = SENSATION_KINDS if name == "sensation" else STOP_SOURCES
    if value not in known:
        what = "sensation" if name == "sensation" else "stop source"
        raise EventError(f"unknown {what} {value!r}; known: {', '.join(known)}")
    return value


def _number(kind: str, name: str, value: Any) -> float:
    if type(value) is float and value >= 0.0 and value - value == 0.0:
        return value  # the usual case (a pose every frame): finite and not negative
    shown = _shown(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EventError(f"event {kind!r}: field {name!r} must be a number, got {shown}")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float (JSON allows it)
        number = math.inf
    if not math.isfinite(number):
        raise EventError(f"event {kind!r}: field {name!r} must be finite, got {shown}")
    if name == "t" and number < 0:
        raise EventError(f"event {kind!r}: time 't' must not be negative, got {shown}")
    if number < 0:  # speed and range are magnitudes: a negative one would hide a halt or pause
        raise EventError(
            f"event {kind!r}: field {name!r} must not be negative (it is a magnitude), got {shown}"
        )
    return number


def _shown(value: Any) -> str:
    """A value for an error message, cut short: JSON allows a number of 10,000 digits."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}… ({len(text)} characters)"


def _parse_at(kind: str, value: Any) -> datetime:
    if isinstance(value, datetime):
        at = value
    else:
        try:
            at = datetime.fromisoformat(str(value))
        except ValueError:
            raise EventError(
                f"event {kind!r}: field 'at' must be an ISO date-time, got {value!r}"
            ) from None
    if at.tzinfo is None:
        raise EventError(f"event {kind!r}: field 'at' needs a time zone, got {value!r}")
    return at


def _failing(kind: str, name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise EventError(f"event {kind!r}: field {name!r} must be a list of check ids")
    return tuple(value)


def _flag(kind: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise EventError(f"event {kind!r}: field {name!r} must be true or false")
    return value


def _one_of(known: tuple[str, ...]) -> Callable[[str, str, Any], str]:
    def check(kind: str, name: str, value: Any) -> str:
        if value not in known:
            raise EventError(f"event {kind!r}: unknown {name} {value!r}; known: {', '.join(known)}")
        return str(value)

    return check


def _confidence(kind: str, name: str, value: Any) -> float | None:
    return None if value is None else _number(kind, name, value)


def _words(kind: str, name: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise EventError(f"event {kind!r}: field {name!r} must be text, got {value!r}")
    return value


#: `Sensation.elsewhere` is a short place in words ("in session 12").
MAX_WHERE_CHARS = 80


def _where(kind: str, name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_WHERE_CHARS:
        raise EventError(
            f"event {kind!r}: field {name!r} must be where it was felt, in words of at most "
            f"{MAX_WHERE_CHARS} characters, got {_shown(value)}"
        )
    if not value.isprintable():
        raise EventError(f"event {kind!r}: field {name!r} must be printable text")
    return value


#: The fields of the pose, pop, voice and begin events that the session engine added for the
#: camera and audio layers (issues 10–12), checked apart from the older fields above.
_ENGINE_FIELDS: dict[tuple[str, str], Callable[[str, str, Any], Any]] = {
    ("pose", "failing"): _failing,
    ("pose", "placement_ok"): _flag,
    ("pose", "identity"): _one_of(IDENTITIES),
    ("pose", "camera_moved"): _flag,
    ("pose", "covered"): _flag,
    ("begin", "sees_hold"): _flag,
    ("pop", "source"): _one_of(POP_SOURCES),
    ("pop", "confidence"): _confidence,
    ("pop", "during_speech"): _flag,
    ("voice", "words"): _words,
    ("voice", "lost"): _flag,
    ("end", "why"): _one_of(END_WHYS),
    ("sensation", "elsewhere"): _where,
}
