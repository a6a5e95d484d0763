"""How fast one client may go: the press bucket, and who counts as this machine."""

from __future__ import annotations

from backbuddy.web.throttle import MessageRate, OncePer, is_loopback_client


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


def test_a_repeated_notice_is_said_once_a_second() -> None:
    notice = OncePer(1.0)
    # 30 late frames a second for three seconds: told at 0, 1 and 2 s, not 90 times.
    told = [k / 30 for k in range(90) if notice.due(k / 30)]
    assert told == [0.0, 1.0, 2.0]
