"""In a real browser: the set-up page shows a picture of the live camera hint (issue 12).

Debian's Chromium plays, as its camera, a rendered truth clip of the Seated Hug filmed
straight from the front (a placement the gate refuses: "move the camera further to the
receiver's side") for 8 s, then the same set-up filmed from the advised 60° (accepted) for
12 s, then from the front again for 12 s, looped: a camera moved round to the side and back.
The picture beside the hint follows: the "round to the side" picture with its words while
the camera is in front, the tick once it stands at the side; each with alt text, each loaded.

Each stretch after a move is long enough for the gate to settle within it however few frames
the server gets: its windows count frames (sized for 30 a second), so after a cut the picture
changed 1.8 s into a stretch at 15 frames/s, 3.8 s at 7 and over 6 s at 4 (the server's
camera watch on this clip, offline), and in a browser at load ~17 the tick-to-hint change
took 6.7-8.7 s. With 6 s stretches a loaded run missed a stretch and waited a whole loop for
the next (93 s; once a 90 s timeout). Pose runs on the server (`backbuddy-pose` = `server`):
the picture is the server's gate whichever side runs the model, and this machine's page falls
back to the server anyway, after loading its model and measuring itself for 4 s (that
fallback is test_page_pose_e2e.py's).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from .conftest import ROOT, Server, camera_browser, checked_page, need, shot
from .flows import start_session

TRUTH = ROOT / "tests" / "data" / "truth"
FRONT = TRUTH / "hug_correct_setup_front_f34.mp4"  # refused: the extension is edge-on
SIDE = TRUTH / "hug_correct_setup_side_front_60_f71.mp4"  # the advised placement
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def moved_camera(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    need("ffmpeg")
    clip = tmp_path_factory.mktemp("moved-camera") / "moved.y4m"
    scale = "scale=360:480,setsar=1"
    # Front 8 s (the first reading, from an empty window, is quick), side 12 s, front 12 s:
    # looped, the front runs 20 s and the side 12 s (each clip is 2 s; -stream_loop k plays
    # it k + 1 times).
    plays = [(3, FRONT), (5, SIDE), (5, FRONT)]
    inputs = [a for k, src in plays for a in ("-stream_loop", str(k), "-i", str(src))]
    scaled = "".join(f"[{i}:v]{scale}[v{i}];" for i in range(len(plays)))
    joined = "".join(f"[v{i}]" for i in range(len(plays))) + f"concat=n={len(plays)}:v=1[v]"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", *inputs, "-filter_complex", scaled + joined]
        + ["-map", "[v]", "-pix_fmt", "yuv420p", "-r", "30", str(clip)],
        check=True,
    )
    browser = camera_browser(playwright, clip)
    yield browser
    browser.close()


@pytest.fixture
def page(moved_camera: Browser) -> Iterator[Page]:
    yield from checked_page(moved_camera)


def _picture_shown(page: Page, kind: str) -> dict[str, str]:
    """Waits until the figure shows `kind`'s picture, loaded, with alt text, and returns the
    picture's words as they stood at that moment (one read of the state and the image together:
    the looping camera may move on between two separate checks)."""
    seen = page.wait_for_function(
        "(kind) => { const f = document.querySelector('#placement-live');"
        " const i = f && f.querySelector('img');"
        " const ok = f && f.dataset.picture === kind && i && i.complete && i.naturalWidth > 0"
        " && i.getAttribute('src').includes(`camera-${kind}.svg`)"
        " && (i.getAttribute('alt') || '').startsWith('Picture');"
        " return ok && { caption: f.querySelector('figcaption').textContent,"
        " alt: i.getAttribute('alt'),"
        " note: document.querySelector('#placement-note').textContent }; }",
        arg=kind,
        timeout=90000,
    ).json_value()
    expect(page.locator("#placement-live")).to_be_visible()
    return {k: str(v) for k, v in seen.items()}


def test_the_set_up_picture_follows_the_live_camera_hint(
    page: Page, box_rate_server: Server
) -> None:
    """The pictures follow the view; the server's techniques carry this box's frame rate
    (`box_rate_server`): the tick needs the gate open, which the hug's own 15 frames a second
    would keep shut on a loaded box (the rate hint then leads the note)."""
    server = box_rate_server
    page.goto(server.url)
    page.evaluate("localStorage.setItem('backbuddy-pose', 'server')")
    start_session(page, server.url, camera=True)
    side = _picture_shown(page, "side")
    assert "further to the receiver's side" in side["caption"]
    assert "further to the receiver's side" in side["note"]
    shot(page, "50-placement-picture-side")
    accepted = _picture_shown(page, "accepted")  # the camera now stands at the side: the tick
    assert "can follow this movement" in accepted["caption"]
    assert "well placed" in accepted["alt"]
    shot(page, "51-placement-picture-accepted")
    _picture_shown(page, "side")  # and back in front (the clip loops): the hint again
