"""The phone as the camera, in a real browser (issue 13, item 9), over loopback only.

The server serves HTTPS on 127.0.0.1 with the certificate backbuddy makes
(`web.tls`, made here first); Debian's Chromium trusts it by its key's hash
(`--ignore-certificate-errors-spki-list`), as a phone trusts it after comparing the
fingerprint. Two browser contexts: the laptop (1280×900: the guide, cues, Stop) and the
phone (390×844, the fake camera playing the rendered truth clip of a receiver set up for
the Seated Hug Extension, `tests/data/truth/hug_correct_setup_side_front_60_f71.mp4`).
The laptop shows a QR code; the code read back from its screenshot is the link the
phone opens. The phone runs the pose in the page (forced on this slow machine, as in
test_page_pose_e2e.py) and streams landmarks; the laptop reaches the movement cue; the
phone's Stop halts the session. A second phone, a used code and a wrong code are refused.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from paced import quick_breath_in
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from backbuddy.web import tls

from .conftest import (
    BROWSER_ARGS,
    CHROMIUM,
    ROOT,
    SHOTS,
    Server,
    camera_y4m,
    shot,
    start_server,
)
from .flows import start_session
from .test_page_pose_e2e import ALL_CHECKS_PASS, Watched

HUG_CLIP = ROOT / "tests" / "data" / "truth" / "hug_correct_setup_side_front_60_f71.mp4"
PHONE = {"width": 390, "height": 844}
#: pytest-timeout's limit for each test (pyproject.toml), setting and tearing down included.
TEST_BUDGET_S = 180.0
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tls.Certificates:
    """Made before the browser starts (it trusts the key's hash) for this machine's names and
    addresses, as `backbuddy serve` makes them; the server finds and reuses them."""
    return tls.ensure(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def phone_browser(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory, certificates: tls.Certificates
) -> Iterator[Browser]:
    # The rendered set-up clip repeats identical frames for up to 0.57 s (longer than the 0.3 s
    # after which the app calls a picture frozen), so without a sensor's noise the "live" camera
    # itself read as frozen now and then, and the frozen test's alert came back after it.
    clip = camera_y4m(HUG_CLIP, tmp_path_factory.mktemp("phone-camera") / "hug.y4m", noise=True)
    args = [
        *BROWSER_ARGS,
        f"--use-file-for-fake-video-capture={clip}",
        f"--ignore-certificate-errors-spki-list={certificates.server_spki}",
    ]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    yield browser
    browser.close()


@pytest.fixture
def https_server(tmp_path: Path, certificates: tls.Certificates) -> Iterator[Server]:
    # A 1 s breath-in before the movement cue (paced.quick_breath_in): the streaming test
    # reaches it; the others never start a movement. No wait for the assistant's hold (its
    # one-person clip never shows one; the page walk, test_page_pose_e2e.py, shows the words).
    extra = quick_breath_in(tmp_path, holds=False)
    srv = start_server(tmp_path, tls=certificates.folder, extra=extra)
    yield srv
    if srv.process.poll() is None:
        srv.kill()


class Contexts:
    """Browser contexts of one test, each page checked for errors thrown."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []

    def page(self, viewport: dict[str, int], pose: str, mobile: bool = False) -> Page:
        context = self.browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile)
        setting = f"localStorage.setItem('backbuddy-pose', '{pose}')"
        context.add_init_script(f"if (location.protocol === 'https:') {setting}")
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda err: self.errors.append(str(err)))
        return page


@pytest.fixture
def contexts(phone_browser: Browser) -> Iterator[Contexts]:
    made = Contexts(phone_browser)
    yield made
    for context in made.contexts:
        context.close()
    assert not made.errors, f"a page threw: {made.errors}"


def phone_shot(page: Page, name: str) -> None:
    """What the phone's screen shows (390×844; Stop is docked at its bottom)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def read_qr(image: np.ndarray) -> str:
    """The text of the QR code in `image`, '' if none can be read. OpenCV's classic detector
    misses about 2 in 100 of our pairing codes at 220 px however often it looks (CI stop 22:
    ten seconds of screenshots, none read); the ArUco-based detector read 400 of 400."""
    for detector in (cv2.QRCodeDetectorAruco(), cv2.QRCodeDetector()):
        text, _, _ = detector.detectAndDecode(image)
        if text:
            return str(text)
    return ""


def show_code(laptop: Page) -> str:
    """Press "Use a phone as the camera"; the link, read back from the QR code on screen."""
    laptop.get_by_role("button", name="Use a phone as the camera").click()
    qr = laptop.locator("#phone-qr")
    expect(qr).to_be_visible()
    # Visible is not yet painted: on a loaded machine the first screenshot can show the box
    # before the image has decoded, so wait for the image itself.
    laptop.wait_for_function(
        "() => { const i = document.getElementById('phone-qr'); return i.complete"
        " && i.naturalWidth > 0 && document.getElementById('phone-url').textContent; }"
    )
    # Loaded and painted can still differ by a frame or two (seen once at load 11: the
    # screenshot decoded to ''), so read the screen again until it shows a code, for a while.
    deadline = time.monotonic() + 10.0
    while True:
        image = cv2.imdecode(np.frombuffer(qr.screenshot(), np.uint8), cv2.IMREAD_GRAYSCALE)
        text = read_qr(image)
        if text or time.monotonic() > deadline:
            break
        laptop.wait_for_timeout(200)
    assert text == laptop.locator("#phone-url").inner_text()
    return str(text)


def laptop_showing_the_code(contexts: Contexts, base: str) -> tuple[Page, str]:
    """A laptop page with a session started (camera watch on, pose on the server) showing
    its phone code; the laptop and the link read from the code."""
    laptop = contexts.page({"width": 1280, "height": 900}, pose="server")
    laptop.goto(base)
    start_session(laptop, base, camera=True)
    return laptop, show_code(laptop)


def test_the_code_reader_reads_every_pairing_code_the_server_can_make() -> None:
    """The helper the phone tests read the laptop's code with: 300 pairing links of the real
    shape (seeded), drawn at the page's 220 px. OpenCV's classic detector alone misses some of
    them (CI stop 22 failed so)."""
    import random

    import qrcode

    rng = random.Random(22)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for _ in range(300):
        url = "https://127.0.0.1:42001/phone/1?pair=" + "".join(rng.choices(alphabet, k=32))
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        code.add_data(url)
        code.make()
        cells = np.where(np.array(code.get_matrix()), 0, 255).astype(np.uint8)
        assert read_qr(cv2.resize(cells, (220, 220), interpolation=cv2.INTER_AREA)) == url


def test_the_phone_streams_the_camera_the_laptop_guides_and_the_phones_stop_halts(
    contexts: Contexts, https_server: Server, certificates: tls.Certificates
) -> None:
    began = time.monotonic()
    laptop, link = laptop_showing_the_code(contexts, https_server.url)
    assert link.startswith(f"{https_server.url}/phone/")
    assert "pair=" in link
    panel = laptop.locator("#phone-panel")
    expect(panel).to_contain_text(certificates.ca_fingerprint)
    expect(panel).to_contain_text("The first time only")
    panel.scroll_into_view_if_needed()
    shot(laptop, "80-phone-qr-panel")

    phone = contexts.page(PHONE, pose="page", mobile=True)
    watched = Watched(phone)
    phone.goto(link)
    assert "pair=" not in phone.url  # the code is spent and gone from the phone's history
    phone.wait_for_function("window.backbuddy.pose.where === 'page'", timeout=60000)
    laptop.wait_for_selector("#session[data-phone='streaming']", timeout=30000)
    expect(laptop.locator("#phone-status")).to_contain_text("The phone is the camera")
    assert laptop.evaluate("document.getElementById('video').srcObject === null")
    laptop.wait_for_selector("#checklist li.ok", timeout=60000)  # the phone's pose is seen
    phone_shot(phone, "81-phone-camera-setup-390")
    # The same walk as far as here (the code, the phone's page pose, the receiver seen) is the
    # frozen-camera red-team check's: it is made here, on this session, then the walk goes on.
    a_repeated_picture_is_seen_as_frozen_until_the_camera_comes_back(laptop, phone)
    a_late_view_is_said_on_the_phone_until_it_is_live_again(phone)

    move = laptop.locator("#captions li.move")
    resume = laptop.get_by_role("button", name="Resume")
    ready = laptop.get_by_role("button", name="We're in position")
    # Within the test's own 180 s (pytest-timeout), with room for the stop after it: a
    # deadline 150 s from here outlived it on a loaded box, and the timeout said nothing of
    # what the pages showed (session 24, 1 run in 3 beside two busy loops).
    deadline = min(time.monotonic() + 150, began + TEST_BUDGET_S - 25)
    while not move.count() and time.monotonic() < deadline:
        if resume.is_visible():
            resume.click()
        elif laptop.evaluate(ALL_CHECKS_PASS) and ready.is_visible():
            ready.click()
        laptop.wait_for_timeout(500)
    if not move.count():
        captions = laptop.locator("#captions li").all_inner_texts()[-8:]
        shown = laptop.evaluate("document.getElementById('session').dataset.mode")
        alert = phone.locator("#phone-alert")
        said = alert.inner_text() if alert.is_visible() else "none"
        raise AssertionError(
            f"no movement cue in {time.monotonic() - began:.0f} s (load "
            f"{os.getloadavg()[0]:.1f}): the laptop in {shown}, its last captions {captions}; "
            f"the phone's alert: {said}; landmarks sent {watched.landmarks}"
        )
    expect(move.first).to_contain_text("Attempt 1")
    assert watched.landmarks > 30
    assert watched.binary == 0
    phone_shot(phone, "82-phone-camera-movement-390")

    phone.get_by_role("button", name="Stop").click()
    expect(phone.locator("#phone-state")).to_contain_text("Stopped")
    laptop.wait_for_selector("#session[data-mode='halted']", timeout=10000)
    expect(laptop.get_by_role("button", name="Resume")).to_be_visible()
    phone_shot(phone, "83-phone-stopped-390")
    shot(laptop, "84-phone-stopped-laptop")


def test_a_second_phone_a_used_code_and_a_wrong_code_are_refused(
    contexts: Contexts, https_server: Server
) -> None:
    laptop, link = laptop_showing_the_code(contexts, https_server.url)
    phone = contexts.page(PHONE, pose="server", mobile=True)
    phone.goto(link)
    laptop.wait_for_selector("#session[data-phone='streaming']", timeout=30000)

    second = contexts.page(PHONE, pose="server", mobile=True)
    second.goto(link)
    expect(second.locator("#refusal")).to_contain_text("Another phone is already the camera")
    phone_shot(second, "85-phone-second-refused-390")
    sid = link.split("/phone/")[1].split("?")[0]
    second.goto(f"{https_server.url}/phone/{sid}?pair=a-wrong-code-0123456789abcdef")
    expect(second.locator("#refusal")).to_contain_text("is not the one the laptop shows")
    second.goto(f"{https_server.url}/phone/{sid}")
    expect(second.locator("#refusal")).to_contain_text("not paired")
    # The paired phone (pose on the server) as far as the frozen-camera check needs it.
    a_frozen_phone_camera_is_shown_on_the_phone_itself(phone)

    # Unpaired on the laptop: the phone is told, the laptop's own camera comes back, and the
    # spent code pairs nobody.
    laptop.get_by_role("button", name="Unpair the phone").click()
    expect(phone.locator("#phone-state")).to_contain_text("no longer the camera")
    laptop.wait_for_selector("#session[data-phone='none']")
    laptop.wait_for_function("document.getElementById('video').srcObject !== null")
    second.goto(link)
    expect(second.locator("#refusal")).to_contain_text("is not the one the laptop shows")


#: The phone's camera keeps delivering pictures, all the same one (a capture pipeline that
#: repeats its last picture): the page cannot tell, so it keeps sending the same JPEG.
STILL = """() => {
  const video = document.getElementById('video');
  const canvas = Object.assign(document.createElement('canvas'), { width: 270, height: 480 });
  const g = canvas.getContext('2d');
  const paint = () => { g.fillStyle = '#777'; g.fillRect(0, 0, 270, 480); };
  paint();
  setInterval(paint, 50);  // repainted: new frames, every one the same picture
  video.srcObject = canvas.captureStream(20);
  return video.play();
}"""


def a_frozen_phone_camera_is_shown_on_the_phone_itself(phone: Page) -> None:
    """Red-team leftover 4: the server told the laptop and the phone "camera_frozen", but the
    phone page dropped it; the person holding the phone saw nothing. It says it now. Called
    by the second-phone test on its paired phone (pose on the server, streaming)."""
    phone.wait_for_function("window.backbuddy.timings.frames > 3", timeout=60000)
    phone.evaluate(STILL)
    expect(phone.locator("#main")).to_contain_text("has not changed", timeout=30000)
    alert = phone.locator("#phone-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Camera frozen")
    phone_shot(phone, "86-phone-camera-frozen-390")


#: The camera keeps delivering its last picture of the receiver (a stalled capture pipeline):
#: the picture of the person as it was, repainted, every frame the same pixels.
FREEZE_PERSON = """() => {
  const video = document.getElementById('video');
  const canvas = Object.assign(document.createElement('canvas'),
    { width: video.videoWidth, height: video.videoHeight });
  const g = canvas.getContext('2d');
  g.drawImage(video, 0, 0);
  const still = g.getImageData(0, 0, canvas.width, canvas.height);
  window.frozenRepaint = setInterval(() => g.putImageData(still, 0, 0), 50);
  window.liveCamera = video.srcObject;
  video.srcObject = canvas.captureStream(20);
  return video.play();
}"""

#: The camera comes back: the live picture again.
UNFREEZE = """() => {
  clearInterval(window.frozenRepaint);
  const video = document.getElementById('video');
  video.srcObject = window.liveCamera;
  return video.play();
}"""


#: The phone's frames reach its pose model `window.lagMs` late (a model or network backed
#: up): each frame's capture time, as the page reads it, lies that far back.
LAG = """() => {
  window.lagMs = 1500;
  const real = HTMLVideoElement.prototype.requestVideoFrameCallback;
  HTMLVideoElement.prototype.requestVideoFrameCallback = function (callback) {
    return real.call(this, (now, meta) => callback(now, {
      ...meta, captureTime: (meta.captureTime > 0 ? meta.captureTime : now) - window.lagMs }));
  };
}"""


def a_late_view_is_said_on_the_phone_until_it_is_live_again(phone: Page) -> None:
    """CI, stop 31: the phone's "arriving late" alert (`camera_late`, its model backed up
    under load) replaced the frozen one and stayed a minute after the frames came in time
    again: nothing took it down. The server now says `camera_live` after a second in time,
    and the alert goes. Called by the streaming test (the phone's pose in the page)."""
    alert = phone.locator("#phone-alert")
    expect(alert).to_be_hidden(timeout=60000)
    phone.evaluate(LAG)
    expect(alert).to_contain_text("arriving", timeout=30000)
    expect(alert).to_contain_text("late")
    phone.evaluate("window.lagMs = 0")
    expect(alert).to_be_hidden(timeout=60000)


def a_repeated_picture_is_seen_as_frozen_until_the_camera_comes_back(
    laptop: Page, phone: Page
) -> None:
    """Red team: with the pose worked out in the page, the model answers a repeated picture
    with landmarks that drift by 1e-5..1e-4 (no two alike), so the server's exact-repeat
    check never fired: the receiver stayed "seen", all set-up checks passing, on a frozen
    picture. The page now gives the same picture the same numbers, and the server says the
    camera is frozen (tracking lost: a movement pauses, I4), on the phone and the laptop.
    Called by the streaming test once the receiver is seen (the phone's pose in the page)."""
    phone.evaluate(FREEZE_PERSON)
    expect(phone.locator("#phone-alert")).to_contain_text("Camera frozen", timeout=30000)
    expect(laptop.locator("#captions")).to_contain_text("has not changed")
    assert phone.evaluate("window.backbuddy.pose.where") == "page"
    # The alert stays while the picture is frozen (the server's "tracked" grace after the
    # freeze does not clear it), and goes once the receiver is seen moving again.
    phone.wait_for_timeout(1500)
    expect(phone.locator("#phone-alert")).to_contain_text("Camera frozen")
    phone.evaluate(UNFREEZE)
    try:
        expect(phone.locator("#phone-alert")).to_be_hidden(timeout=60000)
    except AssertionError as missed:  # seen once in a loaded run (CI-like): say what the page saw
        state = phone.evaluate(
            "() => ({pose: window.backbuddy.pose, answered: window.backbuddy.timings.frames,"
            " link: document.getElementById('main').dataset.link,"
            " alert: document.getElementById('phone-alert').textContent,"
            " video: document.getElementById('video').readyState})"
        )
        raise AssertionError(
            f"the frozen alert stayed after the camera came back: {state}"
        ) from missed
