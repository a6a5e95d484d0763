"""What a page may say in an event, field by field: the rest is the server's own.

The event gate (`domain.events.from_dict`) takes every field of an event, because the
server's own sources use them: the microphone's pop (`source` "audio", `confidence`,
`during_speech`), the system's and camera's stop, a screening's end (`why`), a symptom felt
in another session (`elsewhere`). A page that set them could make the history say the
microphone heard a pop that was pressed, or that backbuddy stopped a session the page
stopped (red team, session 13). So a page's event passes this list first: each kind with
the fields a page may set and, where it matters, the values it may give.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Event kind → field → the values a page may give (None: any the event gate takes).
PAGE_FIELDS: Mapping[str, Mapping[str, frozenset[str] | None]] = {
    "ready": {},
    "stop": {"source": frozenset({"button", "key"})},
    "sensation": {"sensation": None},
    "resistance": {},
    "pop": {},
    "resume": {},
    "end": {},
}
#: Why a field is the server's alone, in the words of the error the page gets.
SERVER_ONLY: Mapping[tuple[str, str], str] = {
    ("*", "t"): "events carry no 't': the server keeps time",
    ("end", "why"): "an 'end' carries no 'why': only the server ends for a screening",
    ("sensation", "elsewhere"): (
        "a 'sensation' carries no 'elsewhere': only the server steps a symptom felt "
        "in another session"
    ),
    ("pop", "source"): (
        "a pressed 'pop' carries no 'source': only the server's microphone hears a pop"
    ),
    ("pop", "confidence"): (
        "a pressed 'pop' carries no 'confidence': only the server's microphone measures one"
    ),
    ("pop", "during_speech"): (
        "a pressed 'pop' carries no 'during_speech': only the server's microphone hears "
        "a pop while the page speaks"
    ),
    ("stop", "source"): (
        "a page's 'stop' comes from its button or key (source 'button' or 'key'): only the "
        "server stops for a voice, the camera or the system"
    ),
}


def refusal(event: Mapping[str, Any]) -> str | None:
    """Why the page may not send `event` as it is (a field only the server sets, or a value
    of one only the server gives), or None. The kind is checked before (`PAGE_FIELDS`)."""
    kind = str(event.get("event"))
    allowed = PAGE_FIELDS.get(kind, {})
    for name, value in event.items():
        if name == "event":
            continue
        if name not in allowed:
            why = SERVER_ONLY.get((kind, name)) or SERVER_ONLY.get(("*", name))
            if why is not None:
                return why
            may = ", ".join(repr(n) for n in allowed) or "no field but 'event'"
            return f"a page's {kind!r} carries no {str(name)[:40]!r}: it may set {may}"
        values = allowed[name]
        if values is not None and not (isinstance(value, str) and value in values):
            return SERVER_ONLY.get((kind, name)) or f"{kind!r}: {name!r} may not be {value!r}"
    return None
