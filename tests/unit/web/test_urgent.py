"""Events first (`web.urgent`): while a press is on the event loop, no landmarks are analysed.

One event loop serves every session; a STOP's way through it takes several turns, and
each turn waited behind the landmarks analyses of every other session (issue 15). These
hold the gate's rules on a real event loop, with no clock: the order of what ran.
"""

from __future__ import annotations

import asyncio

import pytest

from backbuddy.web.urgent import Urgent


async def _analyse_when_free(urgent: Urgent, order: list[str]) -> None:
    """What a session's frame watcher does before it analyses (`session_socket`)."""
    await urgent.clear()
    order.append("landmarks analysed")


async def _turns(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def test_landmarks_wait_until_the_press_has_been_stepped_and_sent() -> None:
    async def main() -> list[str]:
        urgent, order = Urgent(), []
        async with urgent.hold():
            watcher = asyncio.create_task(_analyse_when_free(urgent, order))
            await _turns(20)  # the watcher gets turns of the loop meanwhile: it must not go
            order.append("stop stepped, cues sent")
        await asyncio.wait_for(watcher, 60)  # a deadline for a hang, not a speed
        return order

    assert asyncio.run(main()) == ["stop stepped, cues sent", "landmarks analysed"]


def test_landmarks_go_on_while_the_press_is_being_written() -> None:
    """The writer thread's commit is not the loop's work: analysis goes on meanwhile."""

    async def main() -> list[str]:
        urgent, order = Urgent(), []
        async with urgent.hold() as token:
            token.on_loop = False  # `LiveSession.apply`: handed to the writer thread
            await asyncio.wait_for(_analyse_when_free(urgent, order), 60)
            token.on_loop = True  # written: the cues are the loop's again
            assert urgent.busy
        assert not urgent.busy
        return order

    assert asyncio.run(main()) == ["landmarks analysed"]


def test_a_press_that_failed_does_not_hold_analysis_back() -> None:
    async def main() -> bool:
        urgent = Urgent()
        with pytest.raises(RuntimeError):
            async with urgent.hold():
                raise RuntimeError("the store failed")
        return urgent.busy

    assert asyncio.run(main()) is False
