"""How fast one client may go: the press bucket, and writes taking turns in arrival order."""

from __future__ import annotations

import threading
import time

from backbuddy.web.throttle import MessageRate, Turns, is_loopback_client


def test_a_burst_is_taken_then_the_rate_holds() -> None:
    rate = MessageRate(burst=5, per_s=10.0)
    assert [rate.flooded(0.0) for _ in range(6)] == [False] * 5 + [True]
    assert rate.flooded(0.1) is False  # one more allowed after a tenth of a second
    assert rate.flooded(0.1) is True


def test_a_person_pressing_twice_a_second_forever_is_never_cut_off() -> None:
    rate = MessageRate(burst=30, per_s=10.0)
    assert not any(rate.flooded(n * 0.5) for n in range(10_000))


def test_loopback_clients() -> None:
    assert is_loopback_client("127.0.0.1")
    assert is_loopback_client("::1")
    assert not is_loopback_client("192.0.2.7")
    assert not is_loopback_client("testclient")
    assert not is_loopback_client(None)


def test_turns_are_taken_in_arrival_order() -> None:
    """A thread that keeps writing cannot jump ahead of one that asked before it."""
    turns = Turns()
    order: list[str] = []
    hog_has_turn = threading.Event()
    release_hog = threading.Event()

    def hog() -> None:
        with turns.turn():
            hog_has_turn.set()
            release_hog.wait()
            order.append("hog-1")
        with turns.turn():  # straight back in line: behind the waiting stop
            order.append("hog-2")

    def stop() -> None:
        with turns.turn():
            order.append("stop")

    first = threading.Thread(target=hog)
    first.start()
    hog_has_turn.wait()
    second = threading.Thread(target=stop)
    second.start()
    while turns.waiting < 2:  # the stop has asked for its turn
        time.sleep(0.001)
    release_hog.set()
    first.join()
    second.join()
    assert order == ["hog-1", "stop", "hog-2"]
