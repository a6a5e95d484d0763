"""Web benchmarks, measured in the browser (performance.now()) against the real server.

* stop press → halted page: the page's own halt (press → halt in the DOM, in the
  press's own task; then the number of animation frames until it is painted, goal 1,
  and that time in ms) and the server's halt cue back on the page (goal ≤ 50 ms);
* frame captured → overlay/measures back (JPEG encoding included), p50 and p95, with
  the page sending 15 and 30 frames/s from the fake camera (pose on the server: the
  fallback path; bench/page_pose.py measures pose in the page) (two frames in flight, so
  the rate achieved is printed too);
* server memory (RSS) during a session streaming frames at 15 frames/s. The issue
  asks for 10 minutes; the default here is 60 s so `make bench` stays short. Set
  BACKBUDDY_BENCH_SESSION_S=600 for the full run; growth is printed per minute;
* one busy socket must not starve the others (`flood`): session B presses STOP back
  to back while five other pages each blast 1,000 STOPs in turn; B's STOP round
  trip, p95 goal ≤ 50 ms (it was 8.7 s when the store was written on the event loop);
* decompression bombs (`bomb`): a camera session sent 20 frames/s of tiny JPEGs
  whose headers claim 17000×10000 pixels, with real frames between them; the
  server's RSS must stay under the same bound as a normal session (600 MB; such
  frames once took it from 579 MB to 2.7 GB).

Runs the server of the browser tests (`tests/e2e/app_server.py`, the camera watch
wired to MediaPipe) in a subprocess and Debian's Chromium with the fake camera
playing `tests/data/pose2sim_cam01.mp4`. `python -m bench web` runs it with the
others' format (`BENCH <name> <value> <unit> goal=<goal>`, bench/results.json);
`python -m bench.web stop|rtt|memory|flood|bomb` runs one part. About 3 minutes
with the default 60 s memory session.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import BROWSER_ARGS, CHROMIUM, CLIP, Server, start_server  # noqa: E402
from tests.e2e.flows import start_session  # noqa: E402
from tests.unit.web.jpegs import claims_size  # noqa: E402

from bench import Result, emit  # noqa: E402

FRAME_MS = 1000 / 60
#: The server's memory bound (MB), for a normal session and under attack alike.
RSS_BOUND_MB = 600


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
            page.evaluate("localStorage.setItem('backbuddy-pose', 'server')")  # the JPEG path
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
            page.goto(server.url)
            page.evaluate("localStorage.setItem('backbuddy-pose', 'server')")  # the JPEG path
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
        emit("web_server_rss_peak", max(m for _, m in samples), "MB", f"<={RSS_BOUND_MB}"),
        emit("web_server_rss_growth", growth, "MB/min", "<=2"),
        emit("web_memory_session_length", seconds, "s", "info"),
    ]


def _press(kind: str, ref: str | None = None) -> str:
    return json.dumps({"v": 1, "type": "event", "event": {"event": kind}, "ref": ref})


def _opened(server: Server, session_id: int) -> Any:
    from websockets.sync.client import connect

    ws = connect(
        f"{server.ws}/ws/session/{session_id}",
        additional_headers={"Origin": server.url},
        open_timeout=30,
        max_size=None,
    )
    for _ in range(3):  # hello, replay, state
        ws.recv(timeout=30)
    return ws


def _blast(ws: Any, count: int) -> None:
    """Send `count` STOPs as fast as the socket takes them, until the server cuts it off."""
    from websockets.exceptions import ConnectionClosed

    try:
        for _ in range(count):
            ws.send(_press("stop"))
        while True:
            ws.recv(timeout=10)
    except (ConnectionClosed, TimeoutError):
        pass


def _stop_round_trip(ws: Any, ref: str) -> float:
    started = time.perf_counter()
    ws.send(_press("stop", ref))
    while json.loads(ws.recv(timeout=30)).get("ref") != ref:
        pass
    return (time.perf_counter() - started) * 1000


def flood_latency(tmp: Path, floods: int = 8, gap_s: float = 0.6) -> list[Result]:
    """B's STOP round trip (8 presses a second: a frantic person) while other pages flood."""
    load = os.getloadavg()[0]
    server = start_server(tmp / "flood", camera=False, grace=60, live=floods + 1)
    try:
        b = _opened(server, 1)
        quiet = _presses(b, "q", seconds=2.0)
        flooders = [_opened(server, 2 + k) for k in range(floods)]
        blasts = [threading.Thread(target=_blast, args=(ws, 1000)) for ws in flooders]
        busy: list[float] = []
        for blast in blasts:
            blast.start()
            busy += _presses(b, f"b{len(busy)}-", seconds=gap_s)
        busy += _presses(b, "after-", seconds=1.0)
        for blast in blasts:
            blast.join(timeout=30)
        for ws in [b, *flooders]:
            ws.close()
    finally:
        server.kill()
    return [
        emit("web_stop_quiet_p95", pct(quiet, 0.95), "ms", "info"),
        emit("web_stop_during_flood_p95", pct(busy, 0.95), "ms", "<=50"),
        emit("web_stop_during_flood_max", max(busy), "ms", "info"),
        emit("web_stop_during_flood_presses", len(busy), "presses", "info"),
        emit("web_stop_during_flood_load_average", (load + os.getloadavg()[0]) / 2, "load", "info"),
    ]


def _presses(ws: Any, prefix: str, seconds: float, every_s: float = 0.125) -> list[float]:
    """STOP round trips (ms), one press every `every_s`, for `seconds`."""
    times: list[float] = []
    end = time.monotonic() + seconds
    while (now := time.monotonic()) < end:
        times.append(_stop_round_trip(ws, f"{prefix}{len(times)}"))
        time.sleep(max(0.0, now + every_s - time.monotonic()))
    return times


def bomb_memory(tmp: Path, seconds: float = 20.0, fps: float = 20.0) -> list[Result]:
    """RSS while a camera session gets frames claiming 17000×10000 pixels (and real ones)."""
    server = start_server(tmp / "bomb", camera=True, grace=60, live=1, live_camera=True)
    bomb = claims_size(17000, 10000)
    real = _real_frame()
    refused = sent = 0
    samples = [rss_mb(server.process.pid)]
    try:
        ws = _opened(server, 1)
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            ws.send(bomb if sent % 4 else real)
            sent += 1
            deadline = time.monotonic() + 1 / fps
            while (left := deadline - time.monotonic()) > 0:
                try:
                    message = json.loads(ws.recv(timeout=left))
                except TimeoutError:
                    break
                refused += message.get("type") == "error" and message.get("code") == "too_big"
            if sent % int(fps) == 0:
                samples.append(rss_mb(server.process.pid))
        samples.append(rss_mb(server.process.pid))
        ws.close()
    finally:
        server.kill()
    bombs = sent - (sent + 3) // 4
    return [
        emit("web_bomb_rss_peak", max(samples), "MB", f"<={RSS_BOUND_MB}"),
        emit("web_bomb_rss_growth", samples[-1] - samples[0], "MB", "info"),
        emit("web_bomb_frames_refused", refused / max(1, bombs), "ratio", ">=1"),
    ]


def _real_frame() -> bytes:
    """One real frame of the test clip as a 270×480 JPEG (what a page sends)."""
    import cv2

    capture = cv2.VideoCapture(str(CLIP))
    ok, frame = capture.read()
    capture.release()
    if not ok:
        raise RuntimeError(f"cannot read a frame of {CLIP}")
    ok, data = cv2.imencode(".jpg", cv2.resize(frame, (270, 480)), [cv2.IMWRITE_JPEG_QUALITY, 70])
    return bytes(data.tobytes())


def run(only: str = "") -> list[Result]:
    """Every web benchmark (or those whose step name contains `only`)."""
    seconds = float(os.environ.get("BACKBUDDY_BENCH_SESSION_S", "60"))
    with tempfile.TemporaryDirectory(prefix="bench-web-") as name:
        tmp = Path(name)
        for sub in ("stop", "rtt15", "rtt30", "memory", "flood", "bomb"):
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
            "flood": lambda: flood_latency(tmp),
            "bomb": lambda: bomb_memory(tmp),
        }
        return [r for name, step in steps.items() if only in name for r in step()]


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else "")
