"""Role decisions through the real session page and its fake camera, on every two-person truth
clip (issue 15, item 2): the page's own people detector (`role_people`) against role frames
(the server's detector), the same clip, the same seconds of watching.

    .venv/bin/python tools/calibrate/page_people_camera.py [--seconds 25]

For each clip and each way, a fresh server and a headless Chromium whose fake camera plays
the clip (looped): the session's set-up page runs pose in the page; after `--seconds` the
role answers (identity) and the server's `frame` answers (the landmarks' identity: whether
the camera watch counted them as the receiver's) are counted. The two runs are not frame
for frame (the page's timing differs run to run): `page_people_parity.py` compares the same
frames.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from tests.e2e.conftest import camera_browser, camera_y4m  # noqa: E402
from tests.e2e.flows import start_session  # noqa: E402
from tests.support.servers import start_server  # noqa: E402


def watch(playwright: Any, y4m: Path, people: bool, seconds: float) -> dict[str, Any]:
    server = start_server(Path(tempfile.mkdtemp()), camera=True)
    browser = camera_browser(playwright, y4m)
    roles: list[str] = []
    frames: list[str] = []
    sent = {"role_frame": 0, "role_people": 0}

    def got(payload: str | bytes) -> None:
        if isinstance(payload, str) and ('"type":"role"' in payload or '"type": "role"' in payload):
            roles.append(json.loads(payload)["identity"])
        elif isinstance(payload, str) and '"frame"' in payload:
            message = json.loads(payload)
            if message.get("type") == "frame" and message.get("tracked"):
                frames.append(message.get("identity", "receiver"))

    def out(payload: str | bytes) -> None:
        for kind in sent:
            if isinstance(payload, str) and f'"type":"{kind}"' in payload:
                sent[kind] += 1

    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("websocket", lambda ws: (ws.on("framereceived", got), ws.on("framesent", out)))
        page.goto(server.url)
        page.evaluate("localStorage.setItem('backbuddy-pose', 'page')")
        if not people:
            page.evaluate("localStorage.setItem('backbuddy-people', 'server')")
        start_session(page, server.url, camera=True)
        page.wait_for_function("window.backbuddy.pose.where === 'page'", timeout=90000)
        page.wait_for_timeout(seconds * 1000)
        stats = page.evaluate("() => window.backbuddy.pose.stats.roles")
    finally:
        browser.close()
        server.kill()
    return {"roles": roles, "frames": frames, "sent": sent, "infer": stats.get("inferMs", [])}


def share(values: list[str]) -> str:
    return f"{sum(v == 'receiver' for v in values)}/{len(values)}" if values else "0/0"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=25.0)
    parser.add_argument("names", nargs="*", help="only clips whose name holds one of these")
    args = parser.parse_args()
    clips = sorted((ROOT / "tests" / "data" / "truth").glob("*_with_*.mp4"))
    clips = [c for c in clips if not args.names or any(n in c.stem for n in args.names)]
    print(
        "| clip | role answers naming the receiver (page people / role frames) "
        "| landmarks counted as the receiver's (same) | page MoveNet ms p50 |"
    )
    print("|---|---|---|---|")
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        for clip in clips:
            y4m = camera_y4m(clip, Path(tmp) / f"{clip.stem}.y4m")
            mine = watch(p, y4m, True, args.seconds)
            theirs = watch(p, y4m, False, args.seconds)
            assert mine["sent"]["role_frame"] == 0, "a picture left the page"
            ms = sorted(mine["infer"][1:]) or [0]
            print(
                f"| {clip.stem} | {share(mine['roles'])} / {share(theirs['roles'])} "
                f"| {share(mine['frames'])} / {share(theirs['frames'])} | {ms[len(ms) // 2]} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
