"""Web benchmarks, measured in the browser (performance.now()) against the real server.

* stop press → halted page: the page's own halt (press → halt in the DOM, in the
  press's own task; then the number of animation frames until it is painted, goal 1,
  and that time in ms) and the server's halt cue back on the page (goal ≤ 50 ms);
* frame captured → overlay/measures back (JPEG encoding included), p50 and p95, with
  the page sending 15 and 30 frames/s from the fake camera (two frames in flight, so
  the rate achieved is printed too);
* server memory (RSS) during a session streaming frames at 15 frames/s. The issue
  asks for 10 minutes; the default here is 60 s so `make bench` stays short. Set
  BACKBUDDY_BENCH_SESSION_S=600 for the full run; growth is printed per minute.

Runs the server of the browser tests (`tests/e2e/app_server.py`, the camera watch
wired to MediaPipe) in a subprocess and Debian's Chromium with the fake camera
playing `tests/data/pose2sim_cam01.mp4`. `python -m bench web` runs it with the
others' format (`BENCH <name> <value> <unit> goal=<goal>`, bench/results.json);
`python -m bench.web stop|rtt|memory` runs one part. About 2 minutes with the
default 60 s memory session.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import BROWSER_ARGS, CHROMIUM, CLIP, Server, start_server  # noqa: E402
from tests.e2e.flows import start_session  # noqa: E402

from bench import Result, emit  # noqa: E402

FRAME_MS = 1000 / 60


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextmanager
def browser_page(clip: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        args = [*BROWSER_ARGS, f"--use-file-for-fake-video-capture={clip}"]
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        try:
            yield page
        finally:
            browser.close()


def stop_latency(clip: Path, tmp: Path, presses: int = 40) -> list[Result]:
    """Press Stop (click and space bar in turn) and read the page's own timings."""
    server = start_server(tmp / "stop", camera=False)
    try:
        with browser_page(clip) as page:
            start_session(page, server.url, camera=False)
            for i in range(presses):
                if i % 2:
                    page.keyboard.press(" ")
                else:
                    page.get_by_role("button", name="Stop", exact=True).click()
                page.wait_for_function(
                    "n => Object.values(window.backbuddy.timings.presses)"
                    ".filter(p => p.server_ms !== undefined && p.local_ms !== undefined)"
                    ".length >= n",
                    arg=i + 1,
                )
            rows = page.evaluate("() => Object.values(window.backbuddy.timings.presses)")
    finally:
        server.kill()
    dom = [r["local_dom_ms"] for r in rows]
    frames = [r["local_frames"] for r in rows]
    local = [r["local_ms"] for r in rows]
    served = [r["server_ms"] for r in rows if r.get("halted")]
    return [
        emit("web_stop_local_dom_p95", pct(dom, 0.95), "ms", f"<={FRAME_MS:.1f}"),
        emit("web_stop_local_halt_frames_max", max(frames), "frames", "<=1"),
        emit("web_stop_local_paint_p50", pct(local, 0.5), "ms", f"<={FRAME_MS:.1f}"),
        emit("web_stop_to_server_halt_p50", pct(served, 0.5), "ms", "<=50"),
        emit("web_stop_to_server_halt_p95", pct(served, 0.95), "ms", "<=50"),
    ]


def frame_round_trip(clip: Path, tmp: Path, fps: int, seconds: float = 10.0) -> list[Result]:
    """Stream the fake camera at `fps` during set-up and read the page's round trips."""
    server = start_server(tmp / f"rtt{fps}", camera=True)
    try:
        with browser_page(clip) as page:
            page.goto(server.url)
            page.evaluate(f"localStorage.setItem('backbuddy-fps', '{fps}')")
            start_session(page, server.url, camera=True)
            page.wait_for_function("window.backbuddy.timings.frames.length > 20", timeout=30000)
            page.evaluate("window.backbuddy.timings.frames.length = 0")
            time.sleep(seconds)
            frames = page.evaluate("() => window.backbuddy.timings.frames")
    finally:
        server.kill()
    rtt = [f["rtt_ms"] for f in frames]
    analyze = [f["analyze_ms"] for f in frames]
    return [
        emit(f"web_frame_rtt_{fps}fps_p50", pct(rtt, 0.5), "ms", "info"),
        emit(f"web_frame_rtt_{fps}fps_p95", pct(rtt, 0.95), "ms", "info"),
        emit(f"web_frame_analyze_{fps}fps_p50", statistics.median(analyze), "ms", "info"),
        emit(f"web_frames_answered_{fps}fps", len(rtt) / seconds, "frames/s", f">={fps * 0.9:g}"),
    ]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def server_memory(clip: Path, tmp: Path, seconds: float) -> list[Result]:
    """RSS of the server process while a session streams frames at 15 frames/s."""
    server: Server = start_server(tmp / "memory", camera=True)
    samples: list[tuple[float, float]] = []
    try:
        with browser_page(clip) as page:
            start_session(page, server.url, camera=True)
            page.wait_for_function("window.backbuddy.timings.frames.length > 20", timeout=30000)
            started = time.monotonic()
            while (now := time.monotonic() - started) < seconds:
                samples.append((now, rss_mb(server.process.pid)))
                time.sleep(min(5.0, seconds / 12))
            samples.append((time.monotonic() - started, rss_mb(server.process.pid)))
    finally:
        server.kill()
    warm = [m for t, m in samples if t >= min(10.0, seconds / 4)]
    growth = (warm[-1] - warm[0]) / (seconds / 60) if len(warm) > 1 else 0.0
    return [
        emit("web_server_rss_peak", max(m for _, m in samples), "MB", "<=600"),
        emit("web_server_rss_growth", growth, "MB/min", "<=2"),
        emit("web_memory_session_length", seconds, "s", "info"),
    ]


def run(only: str = "") -> list[Result]:
    """Every web benchmark (or those whose step name contains `only`)."""
    seconds = float(os.environ.get("BACKBUDDY_BENCH_SESSION_S", "60"))
    with tempfile.TemporaryDirectory(prefix="bench-web-") as name:
        tmp = Path(name)
        for sub in ("stop", "rtt15", "rtt30", "memory"):
            (tmp / sub).mkdir()
        clip = tmp / "clip.y4m"
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-y", "-i", str(CLIP), "-vf", "scale=270:480"]
            + ["-pix_fmt", "yuv420p", "-r", "30", str(clip)],
            check=True,
        )
        steps: dict[str, Callable[[], list[Result]]] = {
            "stop": lambda: stop_latency(clip, tmp),
            "rtt15": lambda: frame_round_trip(clip, tmp, 15),
            "rtt30": lambda: frame_round_trip(clip, tmp, 30),
            "memory": lambda: server_memory(clip, tmp, seconds),
        }
        return [r for name, step in steps.items() if only in name for r in step()]


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else "")
