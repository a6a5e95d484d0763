"""Page landmarks are answered at once when what the page shows changes, else at most
10 times a second, each answer counting the messages it covers (`web.frame_answers`)."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

from backbuddy.domain.techniques import Limits, Technique
from backbuddy.web.camera_watch import CameraWatch, decode_jpeg
from backbuddy.web.frame_answers import GAP_S, AnswerPacer
from backbuddy.web.frames import FrameResult
from backbuddy.web.page_landmarks import encode

from .conftest import ORIGIN, WS, make_client, start_session
from .jpegs import moving_jpegs
from .test_landmarks_and_camera_loss import NoModel, points
from .test_socket import opening, still, until

SEEN = ("receiver seen", "receiver", "checks")
GONE = ("nobody", "receiver", "checks")


def test_a_steady_stream_is_answered_ten_times_a_second_and_a_change_at_once() -> None:
    pacer, answers, covered = AnswerPacer(), [], 0
    for k in range(300):  # 10 s at 30 a second, nothing shown changing
        now = k / 30
        if pacer.offer(SEEN, now) == 0:
            answers.append(now)
            covered += pacer.answered(SEEN, now)
    # Never two within GAP_S; at 30 a second the first one due is up to a message late.
    assert all(b >= a + GAP_S for a, b in zip(answers, answers[1:], strict=False))
    assert 10 * 30 / 4 <= len(answers) <= 10 / GAP_S + 1
    # Right after a held one, a change is answered at once, and says it covers both.
    now = 20.0  # well after the last answer: due
    assert pacer.offer(SEEN, now) == 0
    assert pacer.answered(SEEN, now) == 1 + 300 - covered
    assert 0 < pacer.offer(SEEN, now + 0.01) <= GAP_S
    assert pacer.offer(GONE, now + 0.02) == 0
    assert pacer.answered(GONE, now + 0.02) == 2


def test_a_page_that_comes_back_hears_its_next_landmarks_at_once() -> None:
    pacer = AnswerPacer()
    assert pacer.offer(SEEN, 0.0) == 0
    pacer.answered(SEEN, 0.0)
    assert pacer.offer(SEEN, 0.01) > 0
    pacer.reset()
    assert pacer.offer(SEEN, 0.02) == 0


class CountingWatch(CameraWatch):
    """The real camera watch, counting the page landmarks it analysed."""

    analysed = 0

    def analyze_landmarks(self, *args: Any, **kwargs: Any) -> FrameResult:
        CountingWatch.analysed += 1
        return super().analyze_landmarks(*args, **kwargs)


def counting(technique: Technique, limits: Limits) -> CameraWatch:
    CountingWatch.analysed = 0
    return CountingWatch(technique, NoModel(), decode_jpeg)


def moved(k: int) -> list[list[float]]:
    """The same person, moved a hair (a live camera never repeats exactly: `web.repeats`)."""
    return [[x + k * 1e-5, y, z, v] for x, y, z, v in points()]


def frames(ws: Any, last_seq: int) -> list[dict[str, Any]]:
    """Every frame answer up to the one for `last_seq`."""
    got = [until(ws, lambda m: m["type"] == "frame")]
    while got[-1]["seq"] < last_seq:
        got.append(until(ws, lambda m: m["type"] == "frame"))
    return got


def wait_analysed(live: Any, count: int) -> None:
    """Until the server has analysed `count` landmarks since its last answer (no clock in
    the assertion: this only waits for the server's thread to get there)."""
    for _ in range(10_000):
        if live.answers.analysed >= count:
            return
        time.sleep(0.001)
    raise AssertionError(f"the server never analysed {count} landmarks")


def test_a_change_right_after_a_held_answer_is_answered_at_once(tmp_path: Path) -> None:
    with make_client(tmp_path, analyzers=counting) as client:
        sid = start_session(client, camera=True)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        live.answers.gap_s = 3600.0  # no answer falls due by the clock during this test
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            ws.send_bytes(encode(moved(0), None, (270, 480), 1000.0))
            first = until(ws, lambda m: m["type"] == "frame")
            assert (first["tracked"], first["analysed"]) == (True, 1)
            ws.send_bytes(encode(moved(1), None, (270, 480), 1034.0))
            wait_analysed(live, 1)  # analysed, nothing shown changed: held
            ws.send_bytes(encode(None, None, (270, 480), 1068.0))  # nobody seen now
            # The next answer is the change (a check no longer seen), at once: the held one
            # never went out (an hour's gap), and this one says it covers it too.
            nobody = until(ws, lambda m: m["type"] == "frame")
            assert first["checks"]["sitting_upright"] is not None
            assert nobody["checks"]["sitting_upright"] is None
            assert (nobody["seq"], nobody["analysed"]) == (3, 2)
    assert CountingWatch.analysed == 3


def test_a_steady_stream_is_answered_at_the_reduced_rate_and_its_last_one_too(
    tmp_path: Path,
) -> None:
    with make_client(tmp_path, analyzers=counting) as client:
        sid = start_session(client, camera=True)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        live.answers.gap_s = 3600.0
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            ws.send_bytes(encode(moved(0), None, (270, 480), 1000.0))
            until(ws, lambda m: m["type"] == "frame")
            live.answers.gap_s = 2.0  # longer than the burst takes; the held answer then goes out
            sent = 40
            for k in range(1, sent):
                ws.send_bytes(encode(moved(k), None, (270, 480), 1000.0 + 34.0 * k))
            answers = frames(ws, sent)  # the stream's last message is answered too
    # The held newest goes out when its gap is over: one answer for the burst (two if the
    # server analysed it across a gap), not one per message; none is lost from the count.
    assert 1 <= len(answers) <= 2, [a["seq"] for a in answers]
    assert answers[-1]["seq"] == sent
    assert 1 + sum(a["analysed"] for a in answers) == CountingWatch.analysed


def test_camera_frames_are_each_answered_as_before(tmp_path: Path) -> None:
    jpegs = itertools.islice(moving_jpegs(), 4)
    with make_client(tmp_path, analyzers=still) as client:
        sid = start_session(client, camera=True)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        live.answers.gap_s = 3600.0
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            for k, jpeg in enumerate(jpegs, start=1):
                ws.send_bytes(jpeg)
                frame = until(ws, lambda m: m["type"] == "frame")
                assert (frame["seq"], frame["analysed"]) == (k, 1)


def test_a_stop_is_not_held_with_the_answers(tmp_path: Path) -> None:
    with make_client(tmp_path, analyzers=counting) as client:
        sid = start_session(client, camera=True)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        live.answers.gap_s = 3600.0
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            ws.send_bytes(encode(moved(0), None, (270, 480), 1000.0))
            until(ws, lambda m: m["type"] == "frame")
            ws.send_bytes(encode(moved(1), None, (270, 480), 1034.0))
            wait_analysed(live, 1)
            stop = {"v": 1, "type": "event", "event": {"event": "stop"}, "ref": "stop"}
            ws.send_text(json.dumps(stop))
            cues = until(ws, lambda m: m["type"] == "cues" and m.get("ref") == "stop")
            assert cues["cues"][0]["kind"] == "halt"
            state = until(ws, lambda m: m["type"] == "state")
            assert state["mode"] == "halted"
