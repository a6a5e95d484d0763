"""The pairing rules of the phone as the camera (web/phone.py): the token in the QR code is
long, single-use and short-lived; one phone at a time; unpairing or the end frees the place."""

from __future__ import annotations

import base64

import pytest

from backbuddy.web.phone import OFFER_S, PairingRefused, Phones


class Sessions:
    """Which sessions run (the registry's answer, kept by hand)."""

    def __init__(self, *running: int) -> None:
        self.running = set(running)

    def __call__(self, session_id: int) -> bool:
        return session_id in self.running


def refused(phones: Phones, session_id: int, token: str, now: float = 1.0) -> str:
    with pytest.raises(PairingRefused) as err:
        phones.pair(session_id, token, now)
    return err.value.reason


def test_the_pairing_token_has_at_least_128_random_bits_and_differs_each_time() -> None:
    phones = Phones(Sessions(1))
    tokens = {phones.offer(1, 0.0) for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128


def test_a_token_pairs_once_and_the_phone_gets_its_own_key() -> None:
    phones = Phones(Sessions(1))
    token = phones.offer(1, 0.0)
    key = phones.pair(1, token, 1.0)
    assert key != token
    assert phones.device_ok(1, key)
    assert not phones.device_ok(1, token)  # the token is not the key
    assert not phones.device_ok(2, key)  # only for its own session
    assert phones.status(1) == "paired"


def test_a_second_phone_with_the_same_code_is_told_another_phone_is_the_camera() -> None:
    phones = Phones(Sessions(1))
    token = phones.offer(1, 0.0)
    phones.pair(1, token, 1.0)
    assert refused(phones, 1, token) == "taken"


def test_no_new_code_while_a_phone_is_paired() -> None:
    phones = Phones(Sessions(1, 2))
    phones.pair(1, phones.offer(1, 0.0), 1.0)
    with pytest.raises(PairingRefused) as err:
        phones.offer(1, 2.0)
    assert err.value.reason == "taken"
    with pytest.raises(PairingRefused):
        phones.offer(2, 2.0)  # nor for another session of this server


def test_a_wrong_code_is_refused_and_the_right_one_still_works() -> None:
    phones = Phones(Sessions(1))
    token = phones.offer(1, 0.0)
    assert refused(phones, 1, token[:-1] + ("A" if token[-1] != "A" else "B")) == "wrong"
    assert refused(phones, 2, token) == "over"  # another (not running) session
    assert phones.pair(1, token, 1.0)


def test_a_code_shown_again_replaces_the_old_one() -> None:
    phones = Phones(Sessions(1))
    old = phones.offer(1, 0.0)
    new = phones.offer(1, 1.0)
    assert refused(phones, 1, old) == "wrong"
    assert phones.pair(1, new, 2.0)


def test_an_old_code_is_refused() -> None:
    phones = Phones(Sessions(1))
    token = phones.offer(1, 0.0)
    assert refused(phones, 1, token, now=OFFER_S + 1) == "expired"
    assert refused(phones, 1, token, now=OFFER_S + 2) == "wrong"  # and it is spent


def test_unpairing_frees_the_place_and_the_old_key_and_code_stop_working() -> None:
    phones = Phones(Sessions(1))
    token = phones.offer(1, 0.0)
    key = phones.pair(1, token, 1.0)
    closed: list[bool] = []
    pairing = phones.current(1)
    assert pairing is not None
    pairing.hangup = lambda: closed.append(True)
    assert phones.unpair(1)
    assert closed == [True]  # the phone's socket is closed
    assert not phones.device_ok(1, key)
    assert not phones.unpair(1)
    assert refused(phones, 1, token) == "wrong"
    assert phones.pair(1, phones.offer(1, 2.0), 3.0)  # a phone may pair again


def test_the_session_ending_frees_the_place() -> None:
    sessions = Sessions(1, 2)
    phones = Phones(sessions)
    key = phones.pair(1, phones.offer(1, 0.0), 1.0)
    sessions.running.discard(1)
    assert not phones.device_ok(1, key)
    assert not phones.any_device(key)
    assert phones.status(1) == "none"
    assert phones.pair(2, phones.offer(2, 2.0), 3.0)
