"""Role decisions through the real session page and its fake camera, on every two-person truth
clip (issue 15, item 2): the page's own people detector (`role_people`) against role frames
(the server's detector), the same clip, the same seconds of watching.

    .venv/bin/python tools/calibrate/page_people_camera.py [--seconds 25] [--technique ID]

For each clip and each way, a fresh server and a headless Chromium whose fake camera plays
the clip (looped): a session of the clip's own technique (its truth JSON; `--technique`
forces one) whose set-up page runs pose in the page; after `--seconds` the
role answers (identity) and the server's `frame` answers (the landmarks' identity: whether
the camera watch counted them as the receiver's) are counted. The two runs are not frame
for frame (the page's timing differs run to run): `page_people_parity.py` compares the same
frames.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from tests.e2e.conftest import camera_browser, camera_y4m  # noqa: E402
from tests.e2e.flows import start_session  # noqa: E402
from tests.support.servers import start_server  # noqa: E402

from backbuddy.web import page_landmarks  # noqa: E402
from backbuddy.web.page_roles import PageRoles  # noqa: E402
from backbuddy.web.role_people import parse, to_people  # noqa: E402


def technique_of(clip: Path) -> str:
    """The technique a truth clip shows (its JSON beside it): the session the tool starts."""
    return str(json.loads(clip.with_suffix(".json").read_text())["technique"])


def save(path: Path, sent: list[bytes | dict[str, Any]], clip: str, technique: str) -> None:
    """The page's sent landmarks and people, in order (`tests/support/page_replay.py` reads
    them): each message's bytes (landmarks: the binary message; people: its JSON)."""
    items = [m if isinstance(m, bytes) else json.dumps(m).encode() for m in sent]
    np.savez_compressed(
        path,
        blob=np.frombuffer(b"".join(items), np.uint8),
        ends=np.cumsum([len(m) for m in items]),
        landmarks=np.array([isinstance(m, bytes) for m in sent]),
        clip=np.array(clip),
        technique=np.array(technique),
    )


def chain_breaks(sent: list[bytes | dict[str, Any]]) -> Counter[str]:
    """Why the identity chain broke, replaying the page's landmarks and people (in the order
    sent) through a fresh `PageRoles`: the reason without its figures, counted."""
    roles = PageRoles(lambda: None, lambda _: None)  # type: ignore[arg-type, return-value]
    for item in sent:
        if isinstance(item, bytes):
            m = page_landmarks.read(item)
            roles.unsure(m.image, m.size, m.ms, m.role_ms)
        else:
            message = parse(item)
            roles.place(to_people(message), message.size, message.ms)
    return Counter(_kind(why) for _, why in roles.chain.breaks)


def _kind(why: str) -> str:
    words = [w for w in why.split() if not any(c.isdigit() for c in w)]
    kind = " ".join(words)
    return "a gap since the last pose" if kind == "s since the last pose" else kind


def _sent(payload: str | bytes, sent: dict[str, int], replay: list[bytes | dict[str, Any]]) -> None:
    """Count one message the page sent; keep its landmarks and people for `chain_breaks`."""
    if isinstance(payload, bytes):
        if page_landmarks.is_landmarks(payload):
            replay.append(payload)
        return
    if '"type":"role_people"' in payload:
        replay.append(json.loads(payload))
    for kind in sent:
        if f'"type":"{kind}"' in payload:
            sent[kind] += 1


def watch(
    playwright: Any, y4m: Path, people: bool, seconds: float, technique: str
) -> dict[str, Any]:
    server = start_server(Path(tempfile.mkdtemp()), camera=True)
    browser = camera_browser(playwright, y4m)
    roles: list[str] = []
    frames: list[str] = []
    sent = {"role_frame": 0, "role_people": 0}
    replay: list[bytes | dict[str, Any]] = []

    def got(payload: str | bytes) -> None:
        if isinstance(payload, str) and ('"type":"role"' in payload or '"type": "role"' in payload):
            roles.append(json.loads(payload)["identity"])
        elif isinstance(payload, str) and '"frame"' in payload:
            message = json.loads(payload)
            if message.get("type") == "frame" and message.get("tracked"):
                frames.append(message.get("identity", "receiver"))

    def out(payload: str | bytes) -> None:
        _sent(payload, sent, replay)

    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("websocket", lambda ws: (ws.on("framereceived", got), ws.on("framesent", out)))
        page.goto(server.url)
        page.evaluate("localStorage.setItem('backbuddy-pose', 'page')")
        if not people:
            page.evaluate("localStorage.setItem('backbuddy-people', 'server')")
        start_session(page, server.url, camera=True, technique=technique)
        page.wait_for_function("window.backbuddy.pose.where === 'page'", timeout=90000)
        page.wait_for_timeout(seconds * 1000)
        stats = page.evaluate("() => window.backbuddy.pose.stats.roles")
    finally:
        browser.close()
        server.kill()
    return {
        "roles": roles,
        "frames": frames,
        "sent": sent,
        "infer": stats.get("inferMs", []),
        "breaks": chain_breaks(replay) if people else Counter(),
        "sent_messages": replay,
    }


def share(values: list[str]) -> str:
    return f"{sum(v == 'receiver' for v in values)}/{len(values)}" if values else "0/0"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=25.0)
    parser.add_argument("--technique", help="start this technique on every clip")
    parser.add_argument(
        "--record", type=Path, help="keep the page-people run's sent messages here (one clip)"
    )
    parser.add_argument("names", nargs="*", help="only clips whose name holds one of these")
    args = parser.parse_args()
    clips = sorted((ROOT / "tests" / "data" / "truth").glob("*_with_*.mp4"))
    clips = [c for c in clips if not args.names or any(n in c.stem for n in args.names)]
    print(f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(
        "| clip | technique | role answers naming the receiver (page people / role frames) "
        "| landmarks counted as the receiver's (same) | page MoveNet ms p50 "
        "| chain breaks (page people) |"
    )
    print("|---|---|---|---|---|---|")
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        for clip in clips:
            y4m = camera_y4m(clip, Path(tmp) / f"{clip.stem}.y4m")
            technique = args.technique or technique_of(clip)
            mine = watch(p, y4m, True, args.seconds, technique)
            theirs = watch(p, y4m, False, args.seconds, technique)
            assert mine["sent"]["role_frame"] == 0, "a picture left the page"
            if args.record:
                save(args.record, mine["sent_messages"], clip.stem, technique)
            ms = sorted(mine["infer"][1:]) or [0]
            breaks = ", ".join(f"{why}: {n}" for why, n in mine["breaks"].most_common())
            print(
                f"| {clip.stem} | {technique} | {share(mine['roles'])} / {share(theirs['roles'])} "
                f"| {share(mine['frames'])} / {share(theirs['frames'])} | {ms[len(ms) // 2]} "
                f"| {breaks} |",
                flush=True,
            )
    print(f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
