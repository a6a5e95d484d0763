"""The page's people detector hanging falls back to role frames (red team, session 10).

`roles.js` `RolePeople` sends the next frame to its worker only once the last one is
answered (`busy`). A worker hung in inference neither replies nor fails: `busy` never
cleared, no role people were sent again, no failure was counted and there was no fallback
to role frames, so the session stayed unsure with no reason shown. Now a frame unanswered
for `HANG_MS` counts as the detector broken: `onBroken` (the page then sends role frames and
says why, as for a detector that fails). The module alone in Chromium, on a clock the test
sets (`performance.now` replaced), with a worker that takes frames and never answers; no
camera, no server, no model.
"""

from __future__ import annotations

from playwright.sync_api import Browser

from .conftest import modules_alone

#: Steps: the page clock (ms) at which `capture()` runs; returns the frames the worker got
#: and the reasons `onBroken` was given, after each step.
HANG = """async (times) => {
  const { RolePeople } = await import("/static/js/roles.js");
  let now = 0;
  performance.now = () => now;
  const video = document.createElement("canvas");
  video.width = video.height = 8;
  Object.defineProperties(video, { videoWidth: { value: 8 }, videoHeight: { value: 8 } });
  const people = new RolePeople(video, () => true);
  const posted = [];
  people.worker = { postMessage: (m) => posted.push(m.ms), terminate() {} };  // hangs
  const broken = [];
  people.onBroken = (why) => broken.push(why);
  people.timer = 1;  // running, without the page's interval ticking on its own
  const after = [];
  for (const t of times) {
    now = t;
    await people.capture();
    after.push([posted.length, broken.slice()]);
  }
  return after;
}"""


def test_a_hung_people_detector_counts_as_broken_and_role_frames_take_over(
    browser: Browser,
) -> None:
    with modules_alone(browser, "http://roles.test") as page:
        after = page.evaluate(HANG, [1000, 2500, 5999, 6000])
    assert after[0] == [1, []]  # the frame went to the worker
    assert after[1] == [1, []]  # still working on it: nothing more, nothing said
    assert after[2] == [1, []]  # just under 5 s: not yet
    assert after[3] == [1, ["it did not answer within 5 s"]]  # hung: role frames instead
