"""A camera that freezes mid-session (a stalled device): the page must stop sending frames.

The video element then keeps showing the camera's last picture; a page that grabbed it
on a timer sent that same picture 15 times a second, so the server saw a receiver
perfectly still and tracked while they moved: the movement went on unseen, and no pause
came (I4). Real Chromium, real server; the freeze is a canvas stream that delivers one
picture and then none (what a stalled camera gives the page).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from tests.e2e.conftest import Server
from tests.e2e.flows import start_session

pytestmark = pytest.mark.e2e

FREEZE = """() => {
  const video = document.getElementById('video');
  const canvas = Object.assign(document.createElement('canvas'), { width: 270, height: 480 });
  const g = canvas.getContext('2d');
  g.fillStyle = '#777';
  g.fillRect(0, 0, 270, 480);
  const stream = canvas.captureStream(0);  // a picture only when asked: one, then none
  video.srcObject = stream;
  stream.getVideoTracks()[0].requestFrame();
  return video.play();
}"""


@pytest.fixture
def counted(browser: Browser) -> Iterator[tuple[Page, list[float]]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sent: list[float] = []

    def socket(ws: object) -> None:
        ws.on(  # type: ignore[attr-defined]
            "framesent",
            lambda payload: sent.append(time.monotonic()) if isinstance(payload, bytes) else None,
        )

    page.on("websocket", socket)
    yield page, sent
    context.close()


def test_a_frozen_camera_sends_no_more_frames(
    counted: tuple[Page, list[float]], server: Server
) -> None:
    page, sent = counted
    page.goto(server.url)
    page.evaluate("localStorage.setItem('backbuddy-pose', 'server')")  # JPEG frames
    start_session(page, server.url, camera=True)
    page.wait_for_function("window.backbuddy.timings.frames.length > 5", timeout=30000)
    assert sent, "the live camera sent no frames"
    page.evaluate(FREEZE)
    page.wait_for_timeout(500)  # the frozen stream's one picture, and frames in flight
    frozen_at = time.monotonic()
    page.wait_for_timeout(2000)
    after = [t for t in sent if t > frozen_at]
    assert len(after) <= 1, f"{len(after)} frames of a frozen camera were sent in 2 s"
