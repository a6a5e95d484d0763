"""Role frames at the server's rate, and a jump of the body in the page's landmarks, in a
real browser (issue 15, item 2).

Debian's Chromium plays a rendered two-person clip as its camera: the Seated Hug's set-up
from the advised 60° (receiver seated, assistant standing behind, both still), 16 s as
filmed, then 4 s with the whole picture moved by 0.4 of the receiver's trunk length
(looped by Chromium, so it jumps back too). The page runs the pose model itself (real
MediaPipe in WebAssembly). Its own people detector cannot run (the model file is
refused: it fails three times, falls back to role frames and the set-up page says so),
so it sends role frames when the server wants them; the server runs MoveNet on them and
answers with the receiver's box, and the page's model runs on the crop around the
receiver. Once the roles have settled, role frames come one every 2 s, not 2.5 a second
(on this shared machine the page also stalls now and then, which breaks the chain as a
jump does: the test asks for far fewer in all, and for keep-alive gaps). At each jump
the server says `role_wanted`, the page sends a role frame at once, and the landmarks'
identity is unsure until a role frame taken after the jump has placed the receiver
again (the `frame` answers say so).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from backbuddy.adapters import video
from backbuddy.web.page_landmarks import is_landmarks

from .conftest import ROOT, Server, camera_browser, modules_alone
from .flows import start_session

CLIP = ROOT / "tests" / "data" / "truth" / "hug_correct_setup_side_front_60_f34_with_m26.mp4"
TRUTH = CLIP.with_suffix(".csv")
pytestmark = [pytest.mark.e2e, pytest.mark.slow]
#: Seconds as filmed, then moved.
STILL_S, MOVED_S = 16.0, 4.0
#: How long the test watches once the role frames flow: at least two jumps and one calm
#: stretch of 15 s, whatever the loop's phase.
WATCH_S = 25.0


def _trunk_px() -> float:
    import csv

    with TRUTH.open() as f:
        row = next(csv.DictReader(f))
    pt = {k: float(row[k]) for k in row if k.endswith(("_u", "_v")) and not k.startswith("ass")}
    sh = (
        np.array(
            [
                pt["left_shoulder_u"] + pt["right_shoulder_u"],
                pt["left_shoulder_v"] + pt["right_shoulder_v"],
            ]
        )
        / 2
    )
    hip = np.array([pt["left_hip_u"] + pt["right_hip_u"], pt["left_hip_v"] + pt["right_hip_v"]]) / 2
    return float(np.hypot(*(sh - hip)))


def jumping_y4m(dest: Path) -> Path:
    """The clip as filmed for `STILL_S`, then moved by 0.4 trunk lengths for `MOVED_S`, as a
    30 frames/s y4m (what Chromium's fake camera plays)."""
    with video.open_file(CLIP) as source:
        frames = [f.rgb for f in source]
        width, height = source.info.width, source.info.height
    shift = 0.4 * _trunk_px()
    move = np.float32([[1, 0, 0.8 * shift], [0, 1, 0.6 * shift]])
    moved = [
        cv2.warpAffine(f, move, (width, height), borderMode=cv2.BORDER_REPLICATE) for f in frames
    ]
    still_n, moved_n = int(STILL_S * 30), int(MOVED_S * 30)
    sequence = [frames[i % len(frames)] for i in range(still_n)]
    sequence += [moved[i % len(moved)] for i in range(moved_n)]
    with dest.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for rgb in sequence:
            out.write(b"FRAME\n" + cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
    return dest


@pytest.fixture(scope="module")
def jump_browser(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    browser = camera_browser(playwright, jumping_y4m(tmp_path_factory.mktemp("jump") / "j.y4m"))
    yield browser
    browser.close()


#: Installed before the page's scripts: logs, on the page's own clock (`performance.now()`,
#: the clock its role-frame schedule runs on), each role frame sent (with its `ms`: when
#: its picture was taken, which is when the page decided to send it) and each `role` (with
#: the `ms` of the frame it answers), `role_wanted` and `frame` message received. Timed
#: from this test process instead (Playwright's websocket events), the lag of event
#: delivery on a loaded box broke the schedule check now and then (0.25 s seen for a 400 ms
#: answer).
PAGE_LOG = """(() => {
  const log = (window.__roleLog = []);
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (typeof e.data !== "string") return;
        const m = JSON.parse(e.data);
        const now = performance.now();
        if (m.type === "role_wanted") log.push(["wanted", now, m.reason]);
        else if (m.type === "role" && m.next_ms != null)
          log.push(["answer", now, [m.next_ms, m.ms]]);
        else if (m.type === "frame") log.push(["frame", now, [m.identity, m.tracked]]);
      });
    }
    send(data) {
      const role = typeof data === "string" && data.includes('"type":"role_frame"');
      if (role) log.push(["sent", performance.now(), JSON.parse(data).ms]);
      return super.send(data);
    }
  };
})();"""


class Timeline:
    """When the page took and sent role frames and got `role_wanted`, each `frame` answer's
    identity, and each role answer's `next_ms` and frame, on the page's clock in seconds
    (`PAGE_LOG`)."""

    def __init__(self, page: Page) -> None:
        self.role_frames: list[float] = []  # when sent
        self.taken: list[float] = []  # when each was taken (its `ms`)
        self.wanted: list[float] = []
        self.reasons: list[str] = []
        self.frames: list[tuple[float, str, bool]] = []  # (when, identity, tracked)
        #: (when, the server's next_ms, when the frame it answers was taken)
        self.answers: list[tuple[float, float, float]] = []
        self.binary = 0
        self.landmarks = 0
        self.people = 0  # role_people messages (the page's own detector's people)
        page.add_init_script(PAGE_LOG)
        page.on("websocket", lambda ws: ws.on("framesent", self._sent))

    def _sent(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            self.landmarks += 1 if is_landmarks(payload) else 0
            self.binary += 0 if is_landmarks(payload) else 1
        elif '"type":"role_people"' in payload:
            self.people += 1

    def read(self, page: Page) -> None:
        """Take the page's log (call before the page closes)."""
        for kind, ms, value in page.evaluate("window.__roleLog"):
            t = ms / 1000
            if kind == "sent":
                self.role_frames.append(t)
                self.taken.append(value / 1000)
            elif kind == "wanted":
                self.wanted.append(t)
                self.reasons.append(value)
            elif kind == "answer":
                self.answers.append((t, float(value[0]), value[1] / 1000))
            else:
                self.frames.append((t, value[0], value[1]))


def test_settled_role_frames_are_few_and_a_jump_asks_for_one_at_once(
    jump_browser: Browser, page_people_server: Server
) -> None:
    """Also the fallback when the page's people detector breaks (its model file refused:
    three failures in a row), and role frames' answers placing the receiver for the page's
    crop (the walk to the first movement with two people: test_page_people_e2e.py)."""
    context = jump_browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/vendor/movenet/movenet_*.tflite", lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    timeline = Timeline(page)
    try:
        page.goto(page_people_server.url)
        page.evaluate("localStorage.setItem('backbuddy-pose', 'page')")  # this CPU: ~10 poses/s
        start_session(page, page_people_server.url, camera=True)
        page.wait_for_function("window.backbuddy.pose.where === 'page'", timeout=60000)
        page.wait_for_function(
            "(window.backbuddy.pose.stats.roles || {}).where === 'server'", timeout=60000
        )
        note = page.locator("#pose-note")
        expect(note).to_contain_text("could not run on this device (it failed")
        expect(note).to_contain_text("a small picture also goes")
        expect(note).to_contain_text("keeps none of them")
        page.wait_for_function(
            "(window.backbuddy.pose.stats.roles || {}).receiver > 0", timeout=60000
        )
        page.wait_for_function("window.backbuddy.pose.stats.cropped > 10", timeout=60000)
        began = page.evaluate("performance.now()") / 1000
        page.wait_for_timeout(WATCH_S * 1000)
        stats = page.evaluate("() => window.backbuddy.pose.stats")
        timeline.read(page)
    finally:
        context.close()
    assert not errors, f"the page threw: {errors}"
    sent = [t - began for t in timeline.role_frames if t >= began]
    wanted = [t - began for t in timeline.wanted if t >= began]
    # The picture jumps at 16 s and 20 s of every 20 (moved, and back at the loop): the
    # server asked for a role frame at once.
    assert len(wanted) >= 2, f"role_wanted at {wanted}; role frames at {sent}"
    # A frame is taken at once, or, when one awaits its answer, as soon as that answer comes
    # (or that frame times out, 2 s after it was taken): judged on when frames were taken, as
    # the schedule below (a loaded box failed "within 1.5 s" on when they were sent: 0.3 s
    # making and sending a JPEG, and an answer awaited 1 s).
    for w in (w + began for w in wanted):
        before = [a for a in timeline.taken if a < w - 0.001]  # not the frame `w` made at once
        start = w
        if before:
            answer = [t for t, _, ms in timeline.answers if abs(ms - before[-1]) < 1e-5]
            start = max(w, answer[0] if answer else before[-1] + 2.0)
        if start > began + WATCH_S - 1.5:  # the watch ends before its 1.5 s are up
            continue
        assert any(w - 0.001 <= b <= start + 1.5 for b in timeline.taken), (
            f"no role frame within 1.5 s of the want at {w - began:.1f} s (or of the answer "
            f"it waited for, at {start - began:.1f} s)"
        )
    # The page keeps the server's schedule, one role frame at a time: the next frame is
    # taken no sooner than the answer to the one before plus that answer's `next_ms` (0.4 s
    # settling, 2 s once settled), unless the server asked for one (`role_wanted`) after
    # the frame before was taken (a want that came while it was being sent or awaited its
    # answer still counts once the answer comes: its picture may predate the jump the
    # server saw; static/js/roles.js), or that answer never came within 2 s. Judged on when
    # each frame was taken (the page's decision), not when its JPEG was sent: a want that
    # came between the two was read as not asked, and failed this check on a loaded box
    # (a frame 0.05 s, one tick, after a 123 ms answer). Only the answer to the frame
    # before counts: a late answer to an older frame is ignored by the page. The page's
    # own stalls on this shared box break the chain and the server asks again, so how long
    # the calm stretches last is the unit tests' business
    # (`tests/unit/web/test_page_roles.py::test_the_role_frames_settle_then_keep_alive`).
    assert timeline.answers, "no role answer carried next_ms"
    assert max(n for _, n, _ in timeline.answers) >= 2000, "the server never settled to 2 s"
    slack = 0.02  # the frames' `ms` are rounded to 0.1 ms; this log's entries come first
    for a, b in zip(timeline.taken, timeline.taken[1:], strict=False):
        # Wants after `a` was taken: a want that made the page take `a` at once logs in the
        # same 0.1 ms as `a`'s `ms` or before it (measured: 0 to −0.3 ms), so not counted.
        asked = any(a + 1e-5 < w <= b + 1e-5 for w in timeline.wanted)
        answer = [(t, n) for t, n, ms in timeline.answers if abs(ms - a) < 1e-5 and t <= b]
        if not answer:
            assert b - a >= 2.0 - slack, (
                f"a role frame taken {b - a:.2f} s after one still unanswered"
            )
        elif not asked:
            when, next_ms = answer[0]
            assert b - when >= next_ms / 1000 - slack, (
                f"a role frame {b - when:.2f} s after an answer that said {next_ms:.0f} ms"
            )
    # Far fewer than 2.5 a second in all (0.4 of it measured at load 2; the page's own
    # stalls on a loaded box each cost one more: 42 in 40 s seen at load 5).
    assert len(sent) <= 0.6 * 2.5 * WATCH_S, f"{len(sent)} role frames in {WATCH_S:.0f} s"
    # A jump made the identity unsure before it came back. Judged on the wants for a break
    # (a drift asks for a frame before it is unsure), and on one of the jumps, not each: the
    # server analyses only the newest landmarks waiting, so on a loaded box the few unsure
    # ones of a quick re-anchoring may all be passed over for a newer, sure one (a CI run
    # saw a want at 12.3 s with only "receiver" answers around it). The chain's rules per
    # frame are the unit tests' (`tests/unit/web/test_page_roles.py`).
    frames = [(t - began, i) for t, i, tracked in timeline.frames if t >= began and tracked]
    reasons = [r for t, r in zip(timeline.wanted, timeline.reasons, strict=True) if t >= began]
    breaks = [w for w, r in zip(wanted, reasons, strict=True) if not r.startswith("drifted")]
    around = {w: [i for t, i in frames if w - 0.5 <= t <= w + 1.0] for w in breaks}
    assert any("unsure" in ids for ids in around.values()), (
        f"no unsure frame around any break: wants {list(zip(wanted, reasons, strict=True))}, "
        f"identities around them {around}"
    )
    assert any(i == "receiver" for _, i in frames[-60:]), "the receiver was never placed again"
    assert stats["roles"]["wanted"] >= len(wanted) - 1
    assert stats["roles"]["sent"] >= 3
    assert timeline.people == 0  # the broken detector sent nothing
    # Role frames, far fewer than landmarks; never a camera frame.
    assert timeline.landmarks > 30
    assert len(timeline.role_frames) < timeline.landmarks / 2
    assert timeline.binary == 0, "a camera frame was sent as a binary message"


#: The page's role-frame scheduler (static/js/roles.js `RoleFrames`) on a clock the test
#: sets (`performance.now` replaced) and ticks given by hand: returns when each frame was
#: taken (its `ms`) after each step. Steps: ["tick", t], ["want", t], ["answer", t, ms,
#: next_ms].
SCHEDULE = """async (steps) => {
  const { RoleFrames } = await import("/static/js/roles.js");
  let now = 0;
  performance.now = () => now;
  const video = document.createElement("canvas");
  Object.defineProperties(video, { videoWidth: { value: 8 }, videoHeight: { value: 8 } });
  const frames = new RoleFrames(video, () => true);
  const taken = [];
  for (const [kind, t, ms, next_ms] of steps) {
    now = t;
    const before = frames.waiting;
    if (kind === "tick") frames.tick();
    else if (kind === "want") { frames.wanted(); frames.tick(); }
    else frames.answered({ ms, next_ms, identity: "receiver" });
    if (frames.waiting && frames.waiting !== before) taken.push(frames.waiting.ms);
  }
  return taken;
}"""


def test_the_pages_role_frame_schedule_follows_next_ms_and_each_want_once(
    browser: Browser,
) -> None:
    """No camera, no server: roles.js alone, its clock and ticks set by the test. The next
    frame comes `next_ms` after the answer; a want while one awaits its answer sends one as
    soon as the answer comes; a frame that timed out unanswered is replaced at once by a
    want, and that new frame serves the want: its answer's `next_ms` holds (before, the
    want was served a second time, a frame at once after that answer)."""
    with modules_alone(browser, "http://roles.test") as page:
        steps = [
            ["tick", 1000],  # the first frame: taken at once
            ["answer", 1100, 1000, 400],
            ["tick", 1499],  # not yet: 400 ms after the answer is 1500
            ["tick", 1500],  # taken
            ["want", 1550],  # while 1500 awaits its answer: held…
            ["tick", 1600],
            ["answer", 1650, 1500, 2000],  # …until its answer, then at once
            ["tick", 1650],  # taken
            ["want", 3700],  # 1650 unanswered for over 2 s: a new frame at once
            ["answer", 3750, 1650, 400],  # the late answer to 1650: ignored
            ["answer", 3800, 3700, 400],  # the new frame's answer: 400 ms from now
            ["tick", 3850],
            ["tick", 4199],
            ["tick", 4200],  # taken
        ]
        taken = page.evaluate(SCHEDULE, steps)
    assert taken == [1000, 1500, 1650, 3700, 4200]
