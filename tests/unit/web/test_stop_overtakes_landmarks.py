"""A STOP is never queued behind the page's landmarks (I2, issue 15).

Landmarks arrive 30 times a second; the server keeps only the newest one waiting
(`session_socket`: a one-slot hold, newest first) and steps a STOP as soon as the
frame in flight is done (the session lock is first come, first served). So a page
whose landmarks piled up (a slow server, a burst after a stall) still gets its halt
after at most that one frame, not after the whole pile has been analysed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from backbuddy.domain.techniques import Limits, Technique
from backbuddy.web.camera_watch import CameraWatch, decode_jpeg
from backbuddy.web.frames import FrameResult
from backbuddy.web.page_landmarks import encode

from .conftest import ORIGIN, WS, make_client, start_session
from .test_landmarks_and_camera_loss import NoModel, points
from .test_socket import opening

#: A slow server: each set of landmarks takes this long to analyse.
ANALYSE_S = 0.02
#: Landmarks sent at once before the STOP (below the flood limit of 60 a second).
BURST = 50


class SlowWatch(CameraWatch):
    """The real camera watch, slowed down as on a loaded machine; counts what it analysed
    (the server answers landmarks at most 10 a second, so the answers do not tell)."""

    analysed = 0

    def analyze_landmarks(self, *args: Any, **kwargs: Any) -> FrameResult:
        SlowWatch.analysed += 1
        time.sleep(ANALYSE_S)
        return super().analyze_landmarks(*args, **kwargs)


def slow(technique: Technique, limits: Limits) -> CameraWatch:
    SlowWatch.analysed = 0
    return SlowWatch(technique, NoModel(), decode_jpeg)


def test_a_stop_after_a_pile_of_landmarks_halts_before_the_pile_is_analysed(
    tmp_path: Path,
) -> None:
    with make_client(tmp_path, analyzers=slow) as client:
        sid = start_session(client, camera=True)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            for k in range(BURST):
                ws.send_bytes(encode(points(k), None, (270, 480), 1000.0 + 34.0 * k))
            stop = {"v": 1, "type": "event", "event": {"event": "stop"}, "ref": "stop"}
            ws.send_text(json.dumps(stop))
            while (message := ws.receive_json())["type"] != "cues" or message["ref"] != "stop":
                pass
            # Read once the halt is here: those analysed before it, and any since (an upper
            # bound of what the STOP waited for).
            analysed = SlowWatch.analysed
            assert message["cues"][0]["kind"] == "halt"
            # Queued behind the pile, the halt would come after BURST analyses (a second of
            # analysis here); the one-slot hold analyses only a few of them.
            assert analysed < BURST // 2
