"""In a real browser: the set-up page shows a picture of the live camera hint (issue 12).

Debian's Chromium plays, as its camera, a rendered truth clip of the Seated Hug filmed
straight from the front (a placement the gate refuses: "move the camera further to the
receiver's side") for 6 s, then the same set-up filmed from the advised 60° (accepted) for
6 s, looped: a camera moved round to the side and back. The picture beside the hint follows:
the "round to the side" picture with its words while the camera is in front, the tick once
it stands at the side; each with alt text, each loaded.
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
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def moved_camera(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    need("ffmpeg")
    clip = tmp_path_factory.mktemp("moved-camera") / "moved.y4m"
    scale = "scale=360:480,setsar=1"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-stream_loop", "2", "-i", str(FRONT)]
        + ["-stream_loop", "2", "-i", str(SIDE), "-filter_complex"]
        + [f"[0:v]{scale}[a];[1:v]{scale}[b];[a][b]concat=n=2:v=1[v]", "-map", "[v]"]
        + ["-pix_fmt", "yuv420p", "-r", "30", str(clip)],
        check=True,
    )
    browser = camera_browser(playwright, clip)
    yield browser
    browser.close()


@pytest.fixture
def page(moved_camera: Browser) -> Iterator[Page]:
    yield from checked_page(moved_camera)


def _picture_shown(page: Page, kind: str) -> None:
    page.wait_for_selector(f"#placement-live[data-picture='{kind}']", timeout=90000)
    figure = page.locator("#placement-live")
    expect(figure).to_be_visible()
    img = figure.locator("img")
    page.wait_for_function(
        "() => { const i = document.querySelector('#placement-live img');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    assert f"camera-{kind}.svg" in (img.get_attribute("src") or "")
    assert (img.get_attribute("alt") or "").startswith("Picture")


def test_the_set_up_picture_follows_the_live_camera_hint(page: Page, server: Server) -> None:
    start_session(page, server.url, camera=True)
    _picture_shown(page, "side")
    caption = page.locator("#placement-live figcaption")
    expect(caption).to_contain_text("further to the receiver's side")
    expect(page.locator("#placement-note")).to_contain_text("further to the receiver's side")
    shot(page, "50-placement-picture-side")
    _picture_shown(page, "accepted")  # the camera now stands at the side: the tick
    expect(caption).to_contain_text("can follow this movement")
    assert "well placed" in (page.locator("#placement-live img").get_attribute("alt") or "")
    shot(page, "51-placement-picture-accepted")
    _picture_shown(page, "side")  # and back in front (the clip loops): the hint again
