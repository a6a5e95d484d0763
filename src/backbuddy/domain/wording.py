"""The words the engine says, in one place (clinical-facts.md §6).

They refer and never diagnose. A test checks that no cue ever uses a diagnosis
word or asks for more force or another try for a pop (I6).

No sentence said in a pause, the movement or a hands-on set-up step has a stop word in it
(stop, ouch, ow, pain, hurt: `audio.yaml`): there the microphone hears a stop even over
our own voice, so our own word must not be one (tests/property/test_own_stop_word_props.py).
"""

from __future__ import annotations

import math

DISCLAIMER = "Not a medical device; not a substitute for professional care."
#: Said wherever a speed, range or count limit is shown (design.md §3).
LIMITS_NOTE = "cautious proposals, not a clinical standard"
WELCOME = "A guided relaxation and mobility routine. The receiver is in control: say stop any time."
STOP_ANY_TIME = "Say stop, press STOP or the space bar at any time. You need no reason."
RELEASE = "Stop. Release gently and return to a comfortable, neutral position."
NO_POP_GOAL = "A click may or may not happen, and it isn't the goal."
POP = f"{NO_POP_GOAL} That is enough for this area today; let it rest at least 20 minutes."
#: A click heard while backbuddy itself was speaking: maybe its own sound, a pop to be safe.
POP_DURING_SPEECH = (
    "A click was heard while I was speaking. It may have been my own sound, but to be safe "
    f"we treat it as a click from the back. {POP}"
)
AFTERCARE = (
    "Mild soreness for up to a day is common after hands-on techniques. If it lasts longer, "
    "gets worse, or you notice numbness or weakness, stop and get checked."
)
#: After dizziness, first this; then the referral (never "mild soreness is common").
SUPPORTED = "Sit or lie down, supported, until the dizziness has passed."
REFER_SYMPTOM = (
    "Because of what you felt, please don't repeat this routine until you have seen a "
    "physiotherapist, chiropractor or doctor."
)
REFER_URGENT = (
    "Numbness, tingling or weakness should be checked today: "
    "see a doctor, physiotherapist or chiropractor today."
)
EMERGENCY = (
    "If the chest pain, breathlessness or dizziness does not pass within a few minutes, "
    "call emergency services now."
)
SLOWER = "Slower, please. Ease in gently with the breath."
SPEED_HALT = "Stop: that was too fast. Release gently."
SPEED_END = (
    "That was too fast twice, so the session ends here. Next time, move much more slowly; "
    "if slow is hard to find, a physiotherapist can show you."
)
BACK_OFF = "Ease off a little, back to where it felt comfortable, and hold still."
RESISTANCE = "That is the first resistance: go no further. Hold gently, then release slowly."
DISCOMFORT = (
    "Ease off gently, back to where it was comfortable. "
    "Press Resume only if you both want to go on."
)
TRACKING_LOST = "Paused: the camera can't see the receiver. Hold still and step back into view."
CAMERA_LAGGING = (
    "Paused: the camera is lagging, so nothing moves now. Hold still; "
    "press Resume when the picture runs smoothly again."
)
CAMERA_SLOW = (
    "Paused: the camera sends too few pictures a second to catch a fast movement in time, "
    "so nothing moves now. Hold still; add light or close other apps, "
    "then press Resume when the camera note says the picture is quick enough."
)
IDENTITY_UNSURE = (
    "Paused: the camera can't tell the receiver from the assistant. Hold still; "
    "assistant, keep your head above and behind the receiver's."
)
#: "Do what the set-up page says", not "move the camera": since session 24 the page may say to
#: leave a camera that has not moved where it is (`placement_hints.UNMOVED`).
PLACEMENT = (
    "Paused: from where the camera stands it can't measure this movement now. "
    "Do what the set-up page says about the camera, then press Resume."
)
CAMERA_MOVED = (
    "Paused: the camera moved. Hold still while I look again; "
    "press Resume when the camera note says it is ready."
)
#: The assistant has just taken hold: the attempt waits until the camera's landmarks of the
#: receiver have settled (`Technique.hold_settle_s`; docs/accuracy.md "His arrival").
SETTLING = "Hold still while the camera settles on the assistant's hold."
#: The set-up step's Ready went on without a hold the camera saw (`Technique.hold_wait_s`
#: after it was first asked for): the settle starts at this press. From here nothing tells the
#: camera when he takes hold, and the jolt of a hold taken after the next Ready halts the
#: attempt (docs/accuracy.md "A hold taken after the wait"): he is asked to hold **now**.
HOLD_UNSEEN = (
    "Not yet: the camera can't see the assistant's hands on the receiver's arms from here, "
    "so it goes on without seeing them. Assistant, take hold now if you have not, before "
    "anyone presses Ready. Then both hold still while it settles, and press Ready again."
)
#: After the set-up went on without seeing his hold, a speed halt's words add this
#: (`rules.speed_halt`): his grip taken after Ready jolts the reading like a jerk.
LATE_HOLD = (
    "If the assistant took hold after Ready, that jolt reads as too fast: "
    "next time, take hold first, then press Ready."
)
NOT_COUNTED = "This attempt does not count."
LISTENING_LOST = (
    "Paused: the microphone went silent or its sound was dropped, so backbuddy cannot hear "
    "the receiver now. Receiver, speak up to your partner, or press the space bar to halt at "
    "once; press Resume when you are both ready."
)
VOICE_PAUSE = "Paused: we heard you. Nothing moves now; press Resume only when you are both ready."
POSITION_CHANGED = "Paused: the position changed. Release gently and set up again."
CAMERA_NOT_READY = "Waiting: the camera needs to see the receiver in position before moving."
#: A move held back because the last frame shows the receiver moving (I3: still first).
HELD_MOVING = "Waiting: the receiver is moving. Hold still; nothing moves until the camera sees it."
#: …because a check fails and the camera layer did not say which.
HELD_CHECKS = "Waiting: the camera does not see the position passing its checks; nothing moves yet."
BEYOND_RANGE = (
    "Waiting: the body is still beyond the comfortable range from where it started. "
    "Ease back to the starting position; nothing moves until then."
)
NOT_READY_UNSEEN = "Not yet: the camera can't see the receiver in position."
NOT_READY_POSITION = "Not yet: the camera does not see the position passing its checks."
STILL_BEYOND_RANGE = "Not yet: ease back toward the starting position first."
DISCOMFORT_AT_REST = (
    "Rest in a comfortable position. If the discomfort doesn't ease, don't go on today."
)
LATE = "Paused: the guide fell behind, so nothing moves now. Press Resume when you are ready."
RESUMED = "Going on gently. Release, rest and breathe."
COMPLETED = "That's all the attempts for today. Well done."
ENDED = "Session ended."
#: How each way a session ends reads to a person (history, reports).
ENDINGS = {
    "running": "still running",
    "completed": "completed",
    "halted": "halted",
    "ended_by_pair": "ended by the pair",
    "interrupted": "interrupted",
    "screened_out": "ended by backbuddy",
}
#: Why the engine ended a session, in words; None where the status already says it all.
END_REASONS: dict[str, str | None] = {
    "completed": None,
    "ended_by_pair": None,
    "symptom": "a symptom",
    # Stored (not the engine's): the same symptom, felt in another session for the receiver.
    "symptom_elsewhere": "a symptom felt in another session",
    "speed": "too fast",
    "pop": "a click, the area rests",
    "stopped": "STOP pressed",
    "screening": "a screening answered since no longer allowed it",
}
#: Endings whose reason says who ended it better than the status does.
REASON_ENDINGS = {"screening": "ended by backbuddy"}


def ending(status: str, reason: str | None) -> str:
    """How a session ended, said once: "halted: a symptom", "ended by the pair".

    An interrupted session's reason is left out (its notice says why); a reason the
    engine does not know is shown as stored.
    """
    said = ENDINGS.get(status, status.replace("_", " "))
    if reason in REASON_ENDINGS and status != "interrupted":
        said = REASON_ENDINGS[reason]
    if not reason or status == "interrupted":
        return said
    words = END_REASONS.get(reason, reason.replace("_", " "))
    return said if words is None or words == said else f"{said}: {words}"


CAUTION_PREFIX = "Because of your screening answers, today's routine is gentler."

#: Words no cue may use: diagnoses, and pressure to push or chase a pop (I6).
FORBIDDEN_WORDS = (
    "cauda equina",
    "cancer",
    "fracture",
    "tumour",
    "herniat",
    "push harder",
    "harder",
    "more force",
    "try again for",
    "realign",
    "put it back",
)


def held_for(check_text: str) -> str:
    """A move held back (I3): the set-up check the camera does not see passing now."""
    return f"Waiting: the camera does not see '{check_text}' passing; nothing moves yet."


def not_steady(check_text: str | None, hold_s: float) -> str:
    """A refused `ready`: the checks pass now, but not yet for `hold_s` seconds in a row."""
    span = "a second" if hold_s == 1 else f"{hold_s:g} seconds"
    if check_text is None:
        return f"Nearly: hold the position. The camera needs to see it for {span} in a row first."
    return (
        f"Nearly: hold the position. '{check_text}' passed only a moment ago; the camera "
        f"needs to see it for {span} in a row."
    )


def not_passing(check_text: str) -> str:
    """A refused `ready`: which set-up check the camera does not see passing."""
    return f"Not yet: '{check_text}' is not passing."


def hold_first(wait_s: float) -> str:
    """A refused `ready` in the step where the assistant takes hold, before the camera has seen
    the hold (the guide: he "wraps their arms under the receiver's armpits, and gently grasps
    the receiver's crossed forearms or wrists"); `wait_s`: how long until a press goes on
    without it (said in whole seconds, rounded up: a press after that many goes on)."""
    whole = max(1, math.ceil(wait_s - 1e-9))
    span = "a second" if whole == 1 else f"{whole} seconds"
    return (
        "Not yet: assistant, take hold first, arms under the receiver's armpits, gently "
        "holding the crossed forearms or wrists. The camera has not seen your hands on the "
        f"receiver's arms yet. Holding already? Hold still and press Ready again in {span}."
    )
