"""The app's own techniques with shorter breath phases, for browser tests that need a
session's pacing (a phase, every attempt, the end) but not its real length (about 25 s an
attempt). Only the phases' `seconds` change; the copies go through the same loader and
validation as the package's files (`app_server.py --techniques DIR`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from backbuddy.domain import techniques

#: The breath-in before each movement: 1 s instead of 4, the rest as written. For tests that
#: only need to reach the movement cue (the exhale it comes on keeps its 4 s).
QUICK_BREATH_IN = {"breathe_in": 1.0}
#: The copies' least frames a second (`video.min_fps`) where a browser test must reach the
#: movement cue: this box's page works out 3-5 poses a second when loaded (8-12 quiet), under
#: the techniques' own 15 and 24 (docs/accuracy.md "Frame rate"), which hold the move back
#: with "the camera sends too few pictures a second" (`rules.too_slow`; held by
#: tests/unit/domain/test_session_gates.py and the I3/I4 property tests). A real camera
#: at that rate would not be given the movement.
BOX_MIN_FPS = 2.0
#: The wait for a hold seen before the assistant's step goes on without one
#: (`Technique.hold_wait_s`, 5 s as written) where a browser test must reach the movement
#: cue: the fake camera plays one person (tests/data/pose2sim_cam01.mp4), so no hold is ever
#: seen and the step goes on after the wait and the settle. The rule and its 5 s are tested on
#: the engine (tests/unit/domain/test_session_settle.py, tests/property/test_settle_props.py).
QUICK_HOLD_WAIT_S = 0.5


def quick_techniques(
    folder: Path,
    seconds: float | Mapping[str, float] = 1.0,
    min_fps: float | None = None,
    page_two_people: bool | None = None,
    hold_wait_s: float | None = None,
    hold_settle_s: float | None = None,
) -> Path:
    """Copies of every technique file in `folder` whose phases last `seconds` (every phase),
    or `seconds[phase id]` for the phases it names, with `video.min_fps` = `min_fps`,
    `video.page_two_people` = `page_two_people`, `hold_wait_s` and `hold_settle_s` when given;
    validated as the app validates them."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted(techniques.default_dir().glob("*.yaml")):
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
        if min_fps is not None:
            raw.setdefault("video", {})["min_fps"] = min_fps
        if page_two_people is not None:
            raw.setdefault("video", {})["page_two_people"] = page_two_people
            if page_two_people:  # the page's grey does not fade: the server's then neither
                raw["video"]["grey_fades"] = False
        if hold_wait_s is not None:
            raw["hold_wait_s"] = hold_wait_s
        if hold_settle_s is not None and "hold_settle_s" in raw:
            raw["hold_settle_s"] = hold_settle_s
        for phase in raw["phases"]:
            if not isinstance(seconds, Mapping):
                phase["seconds"] = seconds
            elif phase["id"] in seconds:
                phase["seconds"] = seconds[phase["id"]]
        (folder / source.name).write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    loaded = techniques.load_all(folder)
    assert loaded.keys() == techniques.load_all().keys()
    return folder


def quick_breath_in(tmp: Path, holds: bool = True) -> tuple[str, ...]:
    """`start_server(extra=...)` options for the techniques with a 1 s breath-in
    (`QUICK_BREATH_IN`) and this box's frame rate (`BOX_MIN_FPS`), written under `tmp`: for a
    test that reaches the movement cue and need not wait the real 4 s breath for it. The page
    may run its own pose with two people in view (`video.page_two_people`), as these tests walk
    the page's path: its jerk halts are measured on truth clips (tools/calibrate/page_halts.py),
    not in a browser on this box. The wait for the assistant's hold is `QUICK_HOLD_WAIT_S`;
    `holds` False: no wait for a hold and no settle after one (`hold_settle_s` 0), for a walk
    that does not look at them (its one-person clip never shows a hold)."""
    folder = quick_techniques(
        tmp / "techniques",
        QUICK_BREATH_IN,
        min_fps=BOX_MIN_FPS,
        page_two_people=True,
        hold_wait_s=QUICK_HOLD_WAIT_S,
        hold_settle_s=None if holds else 0.0,
    )
    return ("--techniques", str(folder))
