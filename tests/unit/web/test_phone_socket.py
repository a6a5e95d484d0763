"""The phone as the camera, in-process: the QR panel's request, pairing by the link, the
phone's frame socket (its key, its frames, its Stop, its limits), a second phone, unpairing,
and the server's token off loopback (a phone gets the pairing code, never the token)."""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from backbuddy.web import tls
from backbuddy.web.frames import FLOOD_BURST
from backbuddy.web.phone import PHONE_COOKIE
from backbuddy.web.phone_pages import phone_base

from .conftest import ORIGIN, WS, make_client, start_session
from .test_landmarks_and_camera_loss import landmarks_message, watch
from .test_socket import JPEG, opening, until

LAN_TOKEN = "k3y-for-the-lan-0123456789"


def offer(client: TestClient, sid: int) -> dict[str, Any]:
    r = client.post(f"/session/{sid}/phone", headers={"accept": "application/json", **ORIGIN})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def pair(client: TestClient, link: str) -> str:
    """Open the pairing link as a phone with no cookies; returns the phone's key."""
    client.cookies.clear()
    r = client.get(link.split("8000", 1)[1], follow_redirects=False)
    assert r.status_code == 303, r.text
    key = r.cookies.get(PHONE_COOKIE)
    assert key
    client.cookies.clear()
    return key


def phone_socket(client: TestClient, sid: int, key: str | None) -> WebSocketTestSession:
    cookie = {"cookie": f"{PHONE_COOKIE}={key}"} if key else {}
    return client.websocket_connect(f"{WS}/ws/phone/{sid}", headers={**ORIGIN, **cookie})


@contextmanager
def paired_laptop(client: TestClient, sid: int) -> Iterator[tuple[WebSocketTestSession, str]]:
    """The session's laptop page (past its opening) and the key of a phone paired to it (the
    phone not yet connected: a test may connect it more than once)."""
    link = offer(client, sid)["url"]
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as laptop:
        opening(laptop)
        yield laptop, pair(client, link)


@contextmanager
def laptop_and_phone(
    client: TestClient, sid: int
) -> Iterator[tuple[WebSocketTestSession, WebSocketTestSession]]:
    """The session's laptop page (past its opening) and a phone paired to it, connected; the
    phone's `hello` is left for the caller."""
    with paired_laptop(client, sid) as (laptop, key), phone_socket(client, sid, key) as phone:
        yield laptop, phone


def closed_with(ws_cm: Any) -> tuple[dict[str, Any], int]:
    with ws_cm as ws:
        error = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as gone:
            ws.receive_json()
    return error, gone.value.code


@pytest.fixture
def client(tmp_path: Path) -> Any:
    with make_client(tmp_path, analyzers=watch) as c:
        yield c


def test_the_panel_gets_a_link_with_the_code_and_its_qr_image(client: TestClient) -> None:
    sid = start_session(client, camera=True)
    body = offer(client, sid)
    assert body["url"].startswith(f"http://127.0.0.1:8000/phone/{sid}?pair=")
    assert len(body["url"].split("pair=")[1]) >= 22  # ≥ 128 bits, base64url
    assert body["https"] is False
    assert body["reachable"] is False
    svg = base64.b64decode(body["qr"].removeprefix("data:image/svg+xml;base64,")).decode()
    assert svg.startswith("<svg")
    assert "<path" in svg


def test_a_session_without_the_camera_watch_has_no_phone(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        sid = start_session(client, camera=False)
        r = client.post(f"/session/{sid}/phone", headers=ORIGIN)
        assert r.status_code == 409
        assert "without the camera" in r.json()["message"]


def test_the_phone_streams_landmarks_and_its_stop_halts_the_session(client: TestClient) -> None:
    sid = start_session(client, camera=True)
    link = offer(client, sid)["url"]
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as laptop:
        opening(laptop)
        key = pair(client, link)
        assert until(laptop, lambda m: m["type"] == "state")["phone"] == "paired"
        with phone_socket(client, sid, key) as phone:
            hello = phone.receive_json()
            assert hello["type"] == "hello"
            assert hello["camera"] is True
            assert hello["min_fps"] == 15  # the hug's `video.min_fps`: the phone keeps that rate
            assert until(laptop, lambda m: m["type"] == "state")["phone"] == "streaming"
            phone.send_json(landmarks_message(ms=1000.0))
            frame = until(phone, lambda m: m["type"] == "frame")
            # analysed: tracked; no landmarks back (the phone's page draws its own)
            assert frame["tracked"] is True
            assert frame["landmarks"] is None
            assert until(laptop, lambda m: m["type"] == "frame")["seq"] == frame["seq"]
            # The laptop's own camera no longer counts: its frames are dropped quietly.
            laptop.send_bytes(JPEG)
            # (had it counted, the camera watch here, which takes no pictures, would fail on it)
            stop = {"event": "stop", "source": "button"}
            phone.send_json({"v": 1, "type": "event", "event": stop})
            heard: list[dict[str, Any]] = []
            halt = until(laptop, lambda m: heard.append(m) or (m["type"] == "cues" and m["cues"]))
            assert not [m for m in heard if m["type"] == "error"]
            assert halt["cues"][0]["kind"] == "halt"
            assert until(laptop, lambda m: m["type"] == "state")["mode"] == "halted"
            assert until(phone, lambda m: m["type"] == "state" and m["mode"] == "halted")
        assert until(laptop, lambda m: m["type"] == "state")["phone"] == "paired"
    events = client.app.state.registry.store.events(sid)  # type: ignore[attr-defined]
    assert [e.source for e in events if type(e).__name__ == "Stop"][0] == "button"


@pytest.mark.parametrize("kind", ["ready", ["stop"]])
def test_the_phone_may_only_stop(client: TestClient, kind: object) -> None:
    """Any other press from the phone breaks the protocol: the session halts, the phone is
    let go, and the laptop is told why. (A list for the kind reached the last-resort handler
    as a TypeError: red team, session 13.)"""
    sid = start_session(client, camera=True)
    link = offer(client, sid)["url"]
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as laptop:
        opening(laptop)
        key = pair(client, link)
        with phone_socket(client, sid, key) as phone:
            phone.receive_json()
            phone.send_json({"v": 1, "type": "event", "event": {"event": kind}})
            error = until(phone, lambda m: m["type"] == "error")
            assert error["code"] == "unknown_event"
            assert error["fatal"]
        told = until(laptop, lambda m: m["type"] == "error")
        assert "unpaired" in told["message"]
        assert not told["fatal"]
        assert until(laptop, lambda m: m["type"] == "state" and m["phone"] == "none")
    assert client.app.state.phones.status(sid) == "none"  # type: ignore[attr-defined]


def test_the_phones_frames_have_the_laptops_limits(client: TestClient) -> None:
    sid = start_session(client, camera=True)
    key = pair(client, offer(client, sid)["url"])
    with phone_socket(client, sid, key) as phone:
        phone.receive_json()
        phone.send_bytes(b"not a jpeg")
        assert until(phone, lambda m: m["type"] == "error")["code"] == "not_an_image"
        phone.send_json(landmarks_message(image=[[0.5, 0.5, 0.0, 2.0]] * 33))  # visibility 2
        error = until(phone, lambda m: m["type"] == "error")
        assert error["code"] == "bad_message"
        assert error["fatal"]


def test_a_phone_flooding_frames_is_cut_off(client: TestClient) -> None:
    sid = start_session(client, camera=True)
    key = pair(client, offer(client, sid)["url"])
    with phone_socket(client, sid, key) as phone:
        phone.receive_json()
        for _ in range(FLOOD_BURST + 80):  # a backlog may come at once (a Wi-Fi stall)
            phone.send_bytes(JPEG)
        assert until(phone, lambda m: m["type"] == "error" and m["fatal"])["code"] == (
            "too_many_frames"
        )


def test_the_frame_socket_needs_the_phones_key(client: TestClient) -> None:
    sid = start_session(client, camera=True)
    link = offer(client, sid)["url"]
    error, code = closed_with(phone_socket(client, sid, None))
    assert code == 4401
    assert error["code"] == "forbidden"
    token = link.split("pair=")[1]
    assert closed_with(phone_socket(client, sid, token))[1] == 4401  # the code is not a key
    key = pair(client, link)
    assert closed_with(phone_socket(client, sid + 1, key))[1] == 4404
    bad_origin = {"origin": "http://evil.example", "cookie": f"{PHONE_COOKIE}={key}"}
    ws = client.websocket_connect(f"{WS}/ws/phone/{sid}", headers=bad_origin)
    assert closed_with(ws)[1] == 4403


def test_one_phone_socket_at_a_time(client: TestClient) -> None:
    sid = start_session(client, camera=True)
    key = pair(client, offer(client, sid)["url"])
    with phone_socket(client, sid, key) as first:
        first.receive_json()
        error, code = closed_with(phone_socket(client, sid, key))
        assert code == 4409
        assert error["code"] == "already_connected"


def test_a_second_phone_and_a_reused_or_wrong_code_are_refused(client: TestClient) -> None:
    sid = start_session(client, camera=True)
    link = offer(client, sid)["url"]
    path = link.split("8000", 1)[1]
    pair(client, link)
    second = client.get(path, follow_redirects=False)
    assert second.status_code == 409
    assert "another phone is already the camera" in second.text.lower()
    assert PHONE_COOKIE not in second.cookies
    r = client.post(f"/session/{sid}/phone", headers=ORIGIN)
    assert r.status_code == 409
    assert "already the camera" in r.json()["message"]
    wrong = client.get(f"/phone/{sid}?pair=not-the-code-0123456789abcdef", follow_redirects=False)
    assert wrong.status_code == 403
    assert "not the one the laptop shows" in wrong.text
    assert client.get(f"/phone/{sid}").status_code == 403  # no key: no camera page


def test_unpairing_closes_the_phone_and_frees_the_place(client: TestClient) -> None:
    sid = start_session(client, camera=True)
    link = offer(client, sid)["url"]
    key = pair(client, link)
    with phone_socket(client, sid, key) as phone:
        phone.receive_json()
        r = client.post(f"/session/{sid}/phone/unpair", headers=ORIGIN)
        assert r.json() == {"unpaired": True}
        error = until(phone, lambda m: m["type"] == "error")
        assert error["code"] == "unpaired"
        assert error["fatal"]
    assert closed_with(phone_socket(client, sid, key))[1] == 4401
    client.cookies.clear()
    assert client.get(link.split("8000", 1)[1], follow_redirects=False).status_code == 403
    assert pair(client, offer(client, sid)["url"])  # a phone may pair again


def test_the_end_of_the_session_lets_the_phone_go(client: TestClient) -> None:
    sid = start_session(client, camera=True)
    key = pair(client, offer(client, sid)["url"])
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as laptop:
        opening(laptop)
        with phone_socket(client, sid, key) as phone:
            phone.receive_json()
            laptop.send_json({"v": 1, "type": "event", "event": {"event": "end"}})
            assert until(phone, lambda m: m["type"] == "state" and m["ended"])
            assert until(phone, lambda m: m["type"] == "error")["code"] == "unpaired"
    assert client.app.state.phones.status(sid) == "none"  # type: ignore[attr-defined]


def test_off_loopback_a_phone_needs_the_code_not_the_servers_token(tmp_path: Path) -> None:
    with make_client(tmp_path, analyzers=watch, host="0.0.0.0", token=LAN_TOKEN) as client:
        client.get(f"/?token={LAN_TOKEN}")  # the laptop, with the token's cookie
        sid = start_session(client, camera=True)
        link = offer(client, sid)["url"]
        client.cookies.clear()
        assert client.get("/static/js/phone.js").status_code == 401  # a stranger
        key = pair(client, link)
        client.cookies.set(PHONE_COOKIE, key)
        page = client.get(f"/phone/{sid}")
        assert page.status_code == 200
        assert 'id="stop"' in page.text
        assert client.get("/static/js/phone.js").status_code == 200
        assert client.get("/history").status_code == 401  # nothing else
        with phone_socket(client, sid, key) as phone:
            assert phone.receive_json()["type"] == "hello"


def _request(host: str) -> Request:
    return Request({"type": "http", "headers": [(b"host", host.encode())], "path": "/"})


def test_the_link_names_the_address_a_phone_on_the_home_network_can_open(tmp_path: Path) -> None:
    addresses = [ipaddress.ip_address(a) for a in ("127.0.0.1", "192.168.1.20")]
    certs = tls.ensure(tmp_path, names=["localhost"], addresses=addresses)
    # The laptop opened it at its loopback address: the phone gets the home-network one.
    assert phone_base(_request("127.0.0.1:8000"), "0.0.0.0", certs) == (
        "https://192.168.1.20:8000",
        True,
    )
    # The laptop opened it at a home-network name: the phone opens the same.
    assert phone_base(_request("laptop.local:8443"), "0.0.0.0", certs) == (
        "https://laptop.local:8443",
        True,
    )
    # Listening on loopback only: no phone can reach it, and the panel says so.
    assert phone_base(_request("127.0.0.1:8000"), "127.0.0.1", None) == (
        "http://127.0.0.1:8000",
        False,
    )
