"""The people a page's own detector found (`role_people`, issue 15 item 2): checked like a
role frame, then judged by the server's own role rule, as if its detector had found them."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backbuddy.domain.techniques import Limits, Technique
from backbuddy.web import page_pose, schemas
from backbuddy.web.camera_watch import decode_jpeg
from backbuddy.web.page_pose import MAX_AHEAD_S, PageClock, people_available
from backbuddy.web.page_roles import ROLE_FLOOD, PageRoles, RoleChannel, RoleFrameRefused

from .conftest import make_client, start_session
from .test_page_roles import (
    ASSISTANT,
    RECEIVER,
    H,
    RecordingWatch,
    TwoPeople,
    W,
    page_landmarks,
    role_frame,
    socket_run,
)


def row(person: tuple[np.ndarray, np.ndarray], score: float = 0.9) -> list[Any]:
    """One person as the page sends it: keypoints and box in fractions of the frame."""
    kp, box = person
    keypoints = [[float(x) / W, float(y) / H, float(s)] for x, y, s in kp]
    return [keypoints, [float(v) for v in box / np.array([W, H, W, H])], score]


def role_people(ms: float = 1000.0, people: list[Any] | None = None, **over: Any) -> dict[str, Any]:
    rows = [row(ASSISTANT), row(RECEIVER)] if people is None else people
    return {"v": 1, "type": "role_people", "ms": ms, "size": [W, H], "people": rows} | over


def never_ahead(ms: float) -> str | None:
    return None


def far(ms: float) -> str | None:
    return "lie ahead of the server's clock" if ms > 5000.0 else None


def answered(raw: dict[str, Any]) -> dict[str, Any]:
    """The answer the server sends for one role_people message on a fresh channel."""
    sent: list[dict[str, Any]] = []
    channel = RoleChannel(PageRoles(TwoPeople, decode_jpeg), sent.append)
    channel.offer_people(raw, never_ahead)
    assert channel._waiting is not None
    return channel._waiting().message()


def test_the_pages_people_get_the_answer_the_servers_detector_gives_for_the_same_people() -> None:
    server = PageRoles(TwoPeople, decode_jpeg).look(np.zeros((H, W, 3), np.uint8), 1000.0)
    page = answered(role_people(1000.0))
    assert page["identity"] == server.identity == "receiver"
    assert page["reason"] == server.reason
    assert page["box"] == pytest.approx(server.message()["box"], abs=1e-4)
    assert np.allclose(page["others"], server.message()["others"], atol=1e-3)


def test_the_role_rule_is_the_servers_whatever_order_the_page_lists_the_people_in() -> None:
    first = answered(role_people(people=[row(RECEIVER), row(ASSISTANT)]))
    assert first["identity"] == "receiver"
    assert first["box"] == pytest.approx(tuple(RECEIVER[1] / [W, H, W, H]), abs=1e-4)


def test_a_lone_person_is_not_taken_for_the_receiver_on_the_pages_word() -> None:
    """One person only, never seen before: receiver or assistant? The server's rule says
    unsure (the page cannot claim a receiver: it sends people, not roles)."""
    assert answered(role_people(people=[row(ASSISTANT)]))["identity"] == "unsure"


def test_people_under_the_detectors_noise_score_are_left_out() -> None:
    noise = row(ASSISTANT, score=0.1)
    assert answered(role_people(people=[noise, row(RECEIVER)]))["identity"] == "unsure"
    assert answered(role_people(people=[]))["identity"] == "unsure"


def bad(rows: list[Any] | None = None, **over: Any) -> dict[str, Any]:
    return role_people(people=rows, **over)


def keypoints(n: int) -> list[Any]:
    good = row(RECEIVER)
    return [[good[0][0]] * n, good[1], good[2]]


def shifted(what: int, value: Any) -> list[Any]:
    good = row(RECEIVER)
    good[what] = value
    return [good]


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (bad(rows=[keypoints(16)]), "people.0.0"),
        (bad(rows=[row(RECEIVER)] * 7), "people"),
        (bad(ms=-1.0), "ms"),
        (bad(ms=math.inf), "ms"),
        (bad(size=[0, 480]), "size"),
        (bad(rows=shifted(2, 1.5)), "person score is outside 0..1"),
        (bad(rows=shifted(1, [-0.6, 0.1, 0.7, 0.9])), "box is outside"),
        (bad(rows=shifted(1, [0.5, 0.1, 0.2, 0.9])), "box ends before it starts"),
        (bad(rows=[[[[2.0, 0.5, 0.9]] * 17, [0.1, 0.1, 0.5, 0.9], 0.9]]), "keypoint x, y"),
        (bad(rows=[[[[0.5, 0.5, -0.1]] * 17, [0.1, 0.1, 0.5, 0.9], 0.9]]), "keypoint score"),
        (bad(extra=1), "extra"),
        # Red team (session 10): numbers that are not numbers were taken for them (a size of
        # [true, 480] made a frame 1 px wide, in which every person stands in one column).
        (bad(size=[True, 480]), "size.0"),
        (bad(ms=True), "ms"),
        (bad(rows=[[[[0.5, "0.5", 0.9]] * 17, [0.1, 0.1, 0.5, 0.9], 0.9]]), "people.0.0.0.1"),
        (bad(rows=shifted(2, False)), "people.0.2"),
    ],
)
def test_malformed_role_people_are_refused_with_a_reason(raw: dict[str, Any], said: str) -> None:
    channel = RoleChannel(PageRoles(TwoPeople, decode_jpeg), lambda m: None)
    with pytest.raises(RoleFrameRefused, match="role people") as refused:
        channel.offer_people(raw, never_ahead)
    assert said in str(refused.value)
    assert refused.value.code == "bad_message"
    assert channel._waiting is None


def test_role_people_times_must_increase_and_not_run_ahead_of_the_servers_clock() -> None:
    channel = RoleChannel(PageRoles(TwoPeople, decode_jpeg), lambda m: None)
    channel.offer_people(role_people(1000.0), never_ahead)
    with pytest.raises(RoleFrameRefused, match="times must increase"):
        channel.offer_people(role_people(1000.0), never_ahead)
    # The page's landmarks taught the clock its delay; a role time beyond it is refused.
    clock = PageClock()
    for k in range(40):
        clock.place(1000.0 + 33.0 * k, 50.0 + 0.033 * k + 0.1)
    now = 50.0 + 0.033 * 39 + 0.1
    assert not clock.ahead(1000.0 + 33.0 * 39, now)
    assert clock.ahead(1000.0 + 33.0 * 39 + 1000.0 * (MAX_AHEAD_S + 0.1), now)
    with pytest.raises(RoleFrameRefused, match="ahead of the server's clock"):
        channel.offer_people(role_people(9000.0), lambda ms: clock.role_time(ms, now))


def test_role_people_and_role_frames_share_one_flood_limit() -> None:
    channel = RoleChannel(PageRoles(TwoPeople, decode_jpeg), lambda m: None)
    for k in range(int(ROLE_FLOOD) // 2):
        channel.offer(role_frame(ms=1000.0 + 2 * k))
        channel.offer_people(role_people(1001.0 + 2 * k), never_ahead)
    with pytest.raises(RoleFrameRefused, match="faster than") as refused:
        channel.offer_people(role_people(3000.0), never_ahead)
    assert refused.value.code == "too_many_frames"


@pytest.mark.usefixtures("page_people_allowed")
def test_role_people_are_answered_and_decide_whose_landmarks_count(tmp_path: Path) -> None:
    answers, results, offered = socket_run(
        tmp_path,
        roles=True,
        messages=[
            page_landmarks(RECEIVER[0], 900.0, None),  # before any answer: unsure
            role_people(ms=1000.0),
            # sure once the answer's moment is in and the page's model has settled on its new
            # crop (AFTER_BREAK_MS after its first frame there)
            *(
                page_landmarks(RECEIVER[0], ms, 1000.0)
                for ms in (1000.0, 1066.0, 1133.0, 1166.0, 1200.0, 1250.0)
            ),
            page_landmarks(ASSISTANT[0], 1283.0, 1000.0),  # the assistant: unsure
            role_people(ms=1000.0),  # not after the previous: refused, not fatal
        ],
    )
    assert offered
    assert answers[1]["type"] == "role"
    assert answers[1]["identity"] == "receiver"
    assert schemas.RoleOut.model_validate(answers[1]).box is not None
    assert [r.pose.identity for r in results] == ["unsure"] * 6 + ["receiver", "unsure"]
    assert answers[-1]["code"] == "bad_message"
    assert not answers[-1]["fatal"]


def test_with_the_two_person_step_off_role_people_are_refused(tmp_path: Path) -> None:
    answers, _, offered = socket_run(tmp_path, roles=False, messages=[role_people()])
    assert not offered
    assert answers[0]["code"] == "not_supported"
    assert not answers[0]["fatal"]


@pytest.mark.usefixtures("page_people_allowed")
def test_the_session_page_offers_the_pages_people_detector_and_serves_its_files(
    tmp_path: Path,
) -> None:
    assert people_available(), "run `make vendor` (make test does it first)"

    def build(technique: Technique, limits: Limits) -> RecordingWatch:
        return RecordingWatch(technique, PageRoles(TwoPeople, decode_jpeg))

    with make_client(tmp_path, analyzers=build) as client:
        sid = start_session(client, camera=True)
        html = client.get(f"/session/{sid}").text
        assert 'data-page-people="1"' in html
        assert "camera pictures then never leave it" in html
        core = client.get("/static/vendor/litertjs/core/dist/index.js")
        assert core.headers["content-type"].startswith("text/javascript")
        assert "../../wasm-utils/dist/index.js" in core.text  # no bare import left
        wasm = client.get("/static/vendor/litertjs/core/wasm/litert_wasm_internal.wasm")
        assert wasm.headers["content-type"] == "application/wasm"
        manifest = client.get("/static/vendor/movenet/MANIFEST.json").json()
        assert [224, 384] in manifest["shapes"]


@pytest.mark.usefixtures("page_people_allowed")
def test_without_the_people_files_the_session_page_says_pictures_go_to_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_pose, "people_available", lambda vendor=None: False)

    def build(technique: Technique, limits: Limits) -> RecordingWatch:
        return RecordingWatch(technique, PageRoles(TwoPeople, decode_jpeg))

    with make_client(tmp_path, analyzers=build) as client:
        html = client.get(f"/session/{start_session(client, camera=True)}").text
    assert 'data-page-people="0"' in html
    assert "a small picture goes to the backbuddy server now and then" in html
    assert "never leave" not in html


def test_one_far_future_role_time_in_the_page_clocks_first_second_cannot_lock_the_roles() -> None:
    """Red team (session 10): while the page clock was learning its delay, `ahead` said
    False, so one role message at ms=1e308 (or Date.now()) was taken, and every later one,
    not after it, refused for the socket's life: its landmarks unsure for good. Now a role
    time is placed against the delay learnt so far (none before any landmarks), and each
    refusal says why (the page shows it)."""
    channel = RoleChannel(PageRoles(TwoPeople, decode_jpeg), lambda m: None)
    clock = PageClock()
    with pytest.raises(RoleFrameRefused, match="before any landmarks time"):
        channel.offer_people(role_people(900.0), lambda ms: clock.role_time(ms, 49.9))
    clock.place(1000.0, 50.0)  # the page's first landmarks
    for far_ms in (1e308, 1.8e12, 3000.0):
        with pytest.raises(RoleFrameRefused, match="ahead of the server's clock") as refused:
            channel.offer_people(role_people(far_ms), lambda ms: clock.role_time(ms, 50.1))
        assert refused.value.code == "bad_message"
    channel.offer(role_frame(ms=1050.0), lambda ms: clock.role_time(ms, 50.1))  # warm-up
    for k in range(1, 40):  # the clock learns its delay, then is placed
        clock.place(1000.0 + 33.0 * k, 50.0 + 0.033 * k)
    now = 50.0 + 0.033 * 39
    with pytest.raises(RoleFrameRefused, match="ahead of the server's clock"):
        channel.offer(role_frame(ms=1e308), lambda ms: clock.role_time(ms, now))
    channel.offer_people(role_people(1000.0 + 33.0 * 39), lambda ms: clock.role_time(ms, now))
    channel.offer(role_frame(ms=1000.0 + 33.0 * 40), lambda ms: clock.role_time(ms, now + 0.033))
    assert channel.taken == {"role_frame": 2, "role_people": 1}


def test_a_role_time_quicker_than_a_slow_models_first_poses_is_taken() -> None:
    """Red team, session 25 (real Chromium, the phone's first poses 0.5 s late): the clock
    was placed on the slow model's delay, and the page's role people, 0.1 s after capture,
    were refused as lying ahead of the server's clock until it learnt again, the refusal up
    on the phone. While the model warms up a role time may lie `WARMUP_AHEAD_S` ahead."""
    clock = PageClock()
    for k in range(8):  # 0.5 s a pose for 4 s (captured at 0.5 k s): placed on that delay
        clock.place(500.0 * k, 0.5 * k + 0.5)
    assert clock.role_time(3900.0, 4.0) is None  # captured 0.1 s ago
    for j in range(33):  # the model quick now: learnt again, then warmed up
        clock.place(4000.0 + 100.0 * j, 4.0 + 0.1 * j + 0.1)
    now = 4.0 + 0.1 * 32 + 0.1
    said = clock.role_time(1000.0 * (now - 0.1 + MAX_AHEAD_S + 0.05), now)
    assert said == "lie ahead of the server's clock"


def test_role_frames_and_role_people_keep_one_time_order_and_the_servers_clock() -> None:
    """Red team (session 10): the module said a role message's time must be after the
    previous role message's, frame or people, and not ahead of the server's clock; role
    frames were held to neither (a role frame at 2000 ms let people at 1900 ms through to
    the role rule, a look back in time counted as a new look; a role frame from another
    clock was looked at and its answer waited for landmarks that never came)."""
    channel = RoleChannel(PageRoles(TwoPeople, decode_jpeg), lambda m: None)
    channel.offer(role_frame(ms=2000.0))
    with pytest.raises(RoleFrameRefused, match="times must increase") as refused:
        channel.offer_people(role_people(1900.0), never_ahead)
    assert refused.value.code == "bad_message"
    channel.offer_people(role_people(2100.0), never_ahead)
    with pytest.raises(RoleFrameRefused, match="times must increase"):
        channel.offer(role_frame(ms=2050.0))
    with pytest.raises(RoleFrameRefused, match="ahead of the server's clock"):
        channel.offer(role_frame(ms=9000.0), far)
    channel.offer(role_frame(ms=2200.0), far)  # a refusal moved nothing
    assert channel.taken == {"role_frame": 2, "role_people": 1}
