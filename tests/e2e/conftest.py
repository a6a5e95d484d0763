"""Browser tests: the real server in a subprocess, Debian's Chromium with a fake camera.

The fake camera plays `tests/data/pose2sim_cam01.mp4` (a real person, see
tests/data/README.md), converted to y4m into a temporary folder at test time.
Screenshots of every page go to `test-artifacts/screenshots/` for a human to look at.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from tests.support.paced import BOX_MIN_FPS, quick_breath_in, quick_techniques
from tests.support.servers import Server, start_server

__all__ = ["BROWSER_ARGS", "CHROMIUM", "CLIP", "Server", "shot", "start_server"]

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "tests" / "data" / "pose2sim_cam01.mp4"
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]

# No `xdist_group` for browser tests: they share nothing costly across modules (each worker
# launches its own Chromium, once), and on one worker they would be a chain of most of the
# suite's wall time; spread over both workers, their waits on the page overlap other tests.


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: run `bash scripts/system-deps.sh` (make test does)")


@pytest.fixture(scope="session")
def clip_y4m(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real test clip as a y4m file Chromium can play as a camera (made at test time)."""
    need("ffmpeg")
    out = tmp_path_factory.mktemp("camera") / "clip.y4m"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(CLIP), "-vf", "scale=270:480"]
        + ["-pix_fmt", "yuv420p", "-r", "30", str(out)],
        check=True,
    )
    return out


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A fresh server and store per test: the history rules allow one session a day."""
    srv = start_server(tmp_path)
    yield srv
    if srv.process.poll() is None:
        srv.kill()


@pytest.fixture
def quick_server(tmp_path: Path) -> Iterator[Server]:
    """`server` over the app's techniques with a 1 s breath-in before each movement
    and this box's frame rate (`paced.quick_breath_in`, `paced.BOX_MIN_FPS`), for tests that
    only need to reach the movement cue."""
    srv = start_server(tmp_path, extra=quick_breath_in(tmp_path))
    yield srv
    if srv.process.poll() is None:
        srv.kill()


@pytest.fixture
def page_people_server(tmp_path: Path) -> Iterator[Server]:
    """`server` over the app's techniques as written but for `video.page_two_people` (True):
    for tests of the page's own pose with the two-person step, which the Seated Hug refuses
    (its page path stopped a jerk too late: tools/calibrate/page_halts.py, measured there)."""
    folder = quick_techniques(tmp_path / "techniques", {}, page_two_people=True)
    srv = start_server(tmp_path, extra=("--techniques", str(folder)))
    yield srv
    if srv.process.poll() is None:
        srv.kill()


@pytest.fixture
def box_rate_server(tmp_path: Path) -> Iterator[Server]:
    """`server` over the app's techniques as written but for their least frame rate, this
    box's (`paced.BOX_MIN_FPS`): for a set-up test whose placement gate must open although
    the loaded box analyses 3-5 frames a second (under it the gate shuts for the rate)."""
    folder = quick_techniques(tmp_path / "techniques", {}, min_fps=BOX_MIN_FPS)
    srv = start_server(tmp_path, extra=("--techniques", str(folder)))
    yield srv
    if srv.process.poll() is None:
        srv.kill()


@pytest.fixture
def one_person_server(tmp_path: Path) -> Iterator[Server]:
    """`server` with the two-person step off (MediaPipe alone, `Settings.two_person`), for
    tests of what the set-up page shows of the one person `CLIP` plays: standing, she is not
    who the step takes for the seated receiver, so with it on most frames are "unsure" and
    the checklist stays blank for 10-40 s at a time (a check's flip then took 37 s of an idle
    run). The step's own set-up pages: test_page_people_e2e.py, test_page_roles_e2e.py,
    test_setup_e2e.py (at 390 px)."""
    srv = start_server(tmp_path, extra=("--one-person",))
    yield srv
    if srv.process.poll() is None:
        srv.kill()


@pytest.fixture
def plain_server(tmp_path: Path) -> Iterator[Server]:
    """A fresh server without the camera watch (no pose model to load: quicker to start)."""
    srv = start_server(tmp_path, camera=False)
    yield srv
    if srv.process.poll() is None:
        srv.kill()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright per test process (a second one at once is refused)."""
    need(CHROMIUM)
    with sync_playwright() as p:
        yield p


def camera_y4m(source: Path, dest: Path, *, noise: bool = False) -> Path:
    """`source` as the raw 30 frames/s y4m that Chromium's fake camera plays, at `dest`.
    `noise`: a little temporal noise, as a real sensor gives (a rendered clip repeats identical
    frames, which the app reads as a frozen camera after 0.3 s); off where a test compares the
    page's numbers with the server's on the clip itself."""
    need("ffmpeg")
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(source)]
        + (["-vf", "noise=alls=3:allf=t"] if noise else [])
        + ["-pix_fmt", "yuv420p", "-r", "30", str(dest)],
        check=True,
    )
    return dest


def camera_browser(playwright: Playwright, y4m: Path) -> Browser:
    """Headless Chromium whose fake camera plays `y4m` (looped)."""
    args = [*BROWSER_ARGS, f"--use-file-for-fake-video-capture={y4m}"]
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)


@pytest.fixture(scope="session")
def browser(playwright: Playwright, clip_y4m: Path) -> Iterator[Browser]:
    b = camera_browser(playwright, clip_y4m)
    yield b
    b.close()


def checked_page(browser: Browser) -> Iterator[Page]:
    """A 1280×900 page of `browser` that fails the test if its script threw (for fixtures)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda err: errors.append(str(err)))
    yield pg
    context.close()
    assert not errors, f"the page threw: {errors}"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from checked_page(browser)


@contextmanager
def modules_alone(browser: Browser, origin: str) -> Iterator[Page]:
    """A blank page at `origin` that serves the app's own `static/js` modules by file name:
    one module tested alone, on a clock the test sets, with no server and no camera."""
    js = ROOT / "src" / "backbuddy" / "web" / "static" / "js"
    context = browser.new_context()
    page = context.new_page()
    page.route(
        f"{origin}/**",
        lambda route: route.fulfill(
            body=(js / route.request.url.rsplit("/", 1)[-1]).read_text()
            if route.request.url.endswith(".js")
            else "<html></html>",
            content_type="text/javascript" if route.request.url.endswith(".js") else "text/html",
        ),
    )
    try:
        page.goto(f"{origin}/")
        yield page
    finally:
        context.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
