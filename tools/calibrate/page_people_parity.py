"""Roles from the page's people detector vs the server's, on every two-person truth clip
(issue 15, item 2), and the page's ms a frame in headless Chromium.

    .venv/bin/python tools/calibrate/page_people_parity.py [--every 2] [--side 384|256]

The real app serves the page's files; `tests/support/page_people_parity.py` hands the
same pictures to the page's worker (MoveNet on @litertjs/core) and to the server's
detector, and runs both sides' people through the server's role rule. `--side 256` gives
the page MoveNet fixed at 256 px (built here, in memory, with `adapters.movenet_shape`,
and served to the page through Playwright's routing; the install vendors 384 only) and
the server's detector the same input size.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Route, sync_playwright  # noqa: E402
from tests.e2e.conftest import BROWSER_ARGS, CHROMIUM  # noqa: E402
from tests.support.page_people_parity import compare  # noqa: E402
from tests.support.servers import start_server  # noqa: E402

from backbuddy.adapters import movenet  # noqa: E402
from backbuddy.adapters.movenet_shape import fixed_shape  # noqa: E402

SHAPES_256 = [(160, 256), (256, 160), (192, 256), (256, 192), (256, 256)]


def route_256(page) -> None:  # type: ignore[no-untyped-def]
    original = movenet.model_path().read_bytes()

    def manifest(route: Route) -> None:
        route.fulfill(body=json.dumps({"shapes": SHAPES_256}), content_type="application/json")

    def model(route: Route) -> None:
        name = route.request.url.rsplit("/", 1)[1].removeprefix("movenet_").removesuffix(".tflite")
        w, h = (int(v) for v in name.split("x"))
        route.fulfill(body=fixed_shape(original, w, h), content_type="application/octet-stream")

    page.context.route("**/vendor/movenet/MANIFEST.json", manifest)
    page.context.route("**/vendor/movenet/movenet_*.tflite", model)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=2)
    parser.add_argument("--side", type=int, default=384, choices=(256, 384))
    args = parser.parse_args()
    clips = sorted((ROOT / "tests" / "data" / "truth").glob("*_with_*.mp4"))
    server = start_server(Path(tempfile.mkdtemp()), camera=False)
    totals = [0, 0, 0, 0, 0]  # frames, agreed, page found, server found, page-only receiver
    all_ms: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
            page = browser.new_page()
            if args.side == 256:
                route_256(page)
            page.goto(server.url)
            print(
                "| clip | frames | agree | receiver (page / server) | min IoU | page ms p50/p90 |"
            )
            print("|---|---|---|---|---|---|")
            for clip in clips:
                started = time.monotonic()
                r = compare(clip, page, every=args.every, long_side=args.side)
                ms = sorted(r.page_ms[1:])
                all_ms += ms
                n = len(r.identities)
                only_page = sum(a == "receiver" and b != "receiver" for a, b in r.identities)
                totals = [
                    totals[0] + n,
                    totals[1] + round(r.agreement * n),
                    totals[2] + round(r.found(0) * n),
                    totals[3] + round(r.found(1) * n),
                    totals[4] + only_page,
                ]
                iou = f"{min(r.ious):.3f}" if r.ious else "–"
                print(
                    f"| {r.clip} | {n} | {r.agreement:.3f} | {r.found(0):.3f} / {r.found(1):.3f} "
                    f"| {iou} | {ms[len(ms) // 2]:.0f}/{ms[int(len(ms) * 0.9)]:.0f} |",
                    f"<!-- {time.monotonic() - started:.0f} s -->",
                    flush=True,
                )
            browser.close()
    finally:
        server.kill()
    n, agreed, page_found, server_found, only_page = totals
    all_ms.sort()
    print(
        f"\nall {n} frames at {args.side} px: agree {agreed / n:.3f}, receiver found page "
        f"{page_found / n:.3f} / server {server_found / n:.3f}, page-only receiver {only_page}; "
        f"page ms a frame p50 {all_ms[len(all_ms) // 2]:.0f}, "
        f"p90 {all_ms[int(len(all_ms) * 0.9)]:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
