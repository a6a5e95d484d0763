"""A screening answered again during a session that still allows it, but more carefully.

`Registry.halt_where_blocked` halts a running session whose screening no longer allows it
(a red flag in another tab). A new caution is different: the session may go on, but only
under the caution's narrower limits and its message (blood thinners: light pressure only),
and a running session keeps the limits of the screening it started under, to the end and
across Resume. So a running session of that technique whose screening lacked one of the
new caution reasons is ended (a system stop, then the end: with no attempt yet it does not
count toward the daily limit), and its page is told why; the next start is a new session
under the new answers.
"""

from __future__ import annotations

import contextlib

from backbuddy.domain import events as ev
from backbuddy.domain.errors import StoreError, TransitionNotAllowed
from backbuddy.domain.screening import ScreeningResult
from backbuddy.web import schemas
from backbuddy.web.live import LiveSession

SAID = (
    "The screening was answered again with something new to take care of ({what}), so this "
    "session, set up without it, has ended. Start a new session: it follows the new answers."
)


def newly_careful(started: ScreeningResult | None, now: ScreeningResult) -> tuple[str, ...]:
    """The caution reasons of `now` that the session's own screening did not have."""
    if now.outcome != "caution":
        return ()
    had = {r.id for r in started.reasons} if started is not None else set()
    return tuple(r.id for r in now.reasons if r.outcome == "caution" and r.id not in had)


async def end_where_newly_careful(
    sessions: list[LiveSession], result: ScreeningResult
) -> list[int]:
    """End each running session of `result`'s technique that started without one of its
    cautions; the ids ended."""
    ended = []
    for live in sessions:
        state = live.runner.state
        if live.over or live.gone or state.technique.id != result.technique:
            continue
        new = newly_careful(state.screening, result)
        if not new:
            continue
        live.publish(
            schemas.ErrorOut(
                code="refused_event", message=SAID.format(what=", ".join(new))
            ).model_dump()
        )
        await live.halt()
        async with live.lock:
            if not live.over and live.runner.state.mode != "ended":
                with contextlib.suppress(TransitionNotAllowed, StoreError):
                    await live.apply(ev.End(live.clock()))
        live.publish_state()
        ended.append(live.id)
    return ended
