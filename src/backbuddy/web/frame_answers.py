"""How often the server answers page landmarks with a `frame` message (issue 15).

When the page runs pose itself it draws its own skeleton; the `frame` answer only sets the
speed meter and the skeleton's colour (seen or not). Building and sending one for each of
30 landmarks messages a second was the largest single cost of a live session on the
server (~20 % of its CPU), so page landmarks are answered:

* at once when anything the page shows from it changes (`shown`): who is seen, whether the
  two-person step is sure it is the receiver, a check's status or hint, the speed meter
  crossing into its warning colour, the session's mode (a pause or halt); and whenever the
  same landmarks brought cues;
* otherwise at most every `GAP_S`, the newest one, so the meter keeps moving and the last
  one of a stream is always answered (a held answer goes out when its gap is over).

Every answer says how many landmarks messages were analysed since the one before it
(`analysed`), so a page or the bench can still count every message the server took.
Camera frames (JPEG) are answered each time, as before: their answer also carries the
skeleton, and the page paces its frames on those answers. Cues and state messages are
separate messages and never wait here: STOP and every safety message go out at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backbuddy.domain.events import Pose
from backbuddy.web.frames import FrameResult

#: At most this often (s) a steady stream of page landmarks is answered: 10 a second. The
#: answer moves a speed meter a person glances at (a gauge updated 10 times a second looks
#: continuous; its text cannot be read faster), the page draws its own skeleton at the
#: model's rate, and anything else the page shows from it is answered at once (`shown`),
#: so the pace delays no colour, check or pause.
GAP_S = 0.1

_NEVER = object()


def shown(result: FrameResult, pose: Pose, mode: str, gentle_deg_s: float) -> tuple[Any, ...]:
    """Everything a `frame` answer changes on the page besides the meter's exact value."""
    return (
        pose.tracked,
        pose.identity,
        result.checks,
        result.hints,
        pose.speed_deg_s > gentle_deg_s,
        mode,
    )


@dataclass
class AnswerPacer:
    """Decides, per analysed landmarks message, whether to answer it now (see the module)."""

    gap_s: float = GAP_S
    #: Landmarks messages analysed since the last answer (the next answer's `analysed`).
    analysed: int = 0
    _shown: object = _NEVER
    _at: float = float("-inf")

    def offer(self, showing: tuple[Any, ...], now: float) -> float:
        """Count one analysed message; 0: answer it now, else seconds until an answer is due
        (hold the newest until then)."""
        self.analysed += 1
        due = self._at + self.gap_s
        if showing != self._shown or now >= due:
            return 0.0
        return due - now

    def answered(self, showing: tuple[Any, ...], now: float) -> int:
        """An answer went out now for `showing`: how many messages it covers."""
        count, self.analysed = max(self.analysed, 1), 0
        self._shown, self._at = showing, now
        return count

    def reset(self) -> None:
        """A page (re)attached: its next landmarks are answered at once."""
        self._shown = _NEVER
