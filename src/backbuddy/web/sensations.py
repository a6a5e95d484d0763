"""The sensation buttons of the session page: one for every sensation the engine knows.

Built from `domain.events.SENSATION_KINDS` and `SYMPTOMS`, so a sensation added
to the engine gets a button (named from its id until it has a label here) and a
symptom always halts the page at the press (I2).
"""

from __future__ import annotations

from dataclasses import dataclass

from backbuddy.domain import events as ev

#: What each button says; plain words, not the code's ids.
LABELS: dict[str, str] = {
    "comfortable_stretch": "Comfortable stretch",
    "discomfort": "Discomfort",
    "sharp_pain": "Sharp pain",
    "localised_pain": "Localised pain",
    "chest_pain": "Chest pain",
    "numbness": "Numbness",
    "tingling": "Tingling",
    "weakness": "Weakness",
    "dizziness": "Dizzy",
}
#: A longer description for the button's tooltip and screen readers, where the label is short.
HINTS: dict[str, str] = {
    "localised_pain": "Pain in one spot",
    "numbness": "Numbness in the arms, legs or body",
    "tingling": "Pins and needles in the arms, legs or body",
    "weakness": "Weakness in the arms or legs",
    "dizziness": "Dizzy, light-headed or faint",
}


@dataclass(frozen=True)
class Button:
    kind: str
    label: str
    hint: str | None
    halts: bool
    style: str


def buttons() -> list[Button]:
    """Every sensation, the calm ones first, then each symptom (which halts at once)."""
    kinds = sorted(ev.SENSATION_KINDS, key=lambda k: (k in ev.SYMPTOMS, _order(k)))
    return [
        Button(
            kind=kind,
            label=LABELS.get(kind, kind.replace("_", " ").capitalize()),
            hint=HINTS.get(kind),
            halts=kind in ev.SYMPTOMS,
            style={"comfortable_stretch": "ok", "discomfort": "warn"}.get(kind, "symptom"),
        )
        for kind in kinds
    ]


def _order(kind: str) -> int:
    return list(LABELS).index(kind) if kind in LABELS else len(LABELS)
