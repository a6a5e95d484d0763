"""Cues: what the engine asks the world to show or say.

`move` is the only cue that asks anyone to move toward the stretch; every
safety invariant about movement is a statement about `move` cues.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

CueKind = Literal["say", "pace", "step", "move", "pause", "halt", "aftercare", "refer", "done"]
CUE_KINDS: tuple[str, ...] = get_args(CueKind)
BreathPhase = Literal["in", "out", "gentle", "normal"]


@dataclass(frozen=True)
class Cue:
    """One instruction to the pair at session time `t`.

    `reason` says why (a pause, halt or refer always has one). `phase` and
    `seconds` belong to `pace` cues; `step` names the technique step or phase a
    `step`/`move` cue belongs to; `receiver`/`assistant` carry role-specific text.
    """

    t: float
    kind: CueKind
    text: str
    reason: str | None = None
    phase: BreathPhase | None = None
    seconds: float | None = None
    step: str | None = None
    receiver: str | None = None
    assistant: str | None = None


def to_dict(cue: Cue) -> dict[str, Any]:
    """JSON-ready form without empty fields: `{"t", "kind", "text", ...}`."""
    out: dict[str, Any] = {"t": cue.t, "kind": cue.kind, "text": cue.text}
    for name in ("reason", "phase", "seconds", "step", "receiver", "assistant"):
        value = getattr(cue, name)
        if value is not None:
            out[name] = value
    return out


def from_dict(raw: dict[str, Any]) -> Cue:
    """Rebuild a stored cue (the store wrote it with `to_dict`)."""
    return Cue(**raw)
