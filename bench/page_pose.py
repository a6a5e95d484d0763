"""Pose in the page (issue 15): what a session costs the server when the page runs the model.

* `pagepose_server_cpu_per_session`: CPU of the server process (user + system, % of one
  core) while one live camera session's page sends landmarks 30 times a second (real
  landmarks: MediaPipe Tasks on a rendered truth clip, looped; the binary message the page
  sends, `web.page_landmarks`), from `WARM_S` after it connected — goal ≤ 5 %. What
  opening the session cost (the first frames; the people detector only where the server
  opens one) beyond that: `pagepose_server_cpu_opening_s`. The server has the two-person
  step on (the default) and this page sends no role messages, so every landmarks message
  is of unsure identity (measured as nobody in view): the cheaper path since 2026-11-27
  (no measure computed for such a frame); `pagepose_people_…` below is a real page's case.
* `pagepose_roles_server_cpu_per_session`: the same with the page as a real page with the
  two-person step on (the default): role frames (a 384-px JPEG of the frame the landmarks
  came from, each answered by the server's people detector) when the server wants them
  (each answer's `next_ms`: every 0.4 s until settled, then one every 2 s; at once on
  `role_wanted`), and `role_ms` on the landmarks — info. The clip plays forwards then
  backwards, so the landmarks never jump (a jump asks for a role frame).
  `pagepose_roles_fixed_…`: the same with a role frame every 0.4 s whatever the server
  says (the rate before the server set it; "before").
* `pagepose_people_server_cpu_per_session`: the same as `pagepose_roles_…` with the page
  running the people detector itself (what the session page does where `@litertjs/core`
  runs): on the same schedule it sends the people it found (`role_people`: MoveNet's people
  on the frame the landmarks came from, worked out here once per frame by the server's own
  detector) instead of the picture, and the server opens no people detector — info; the
  real page's usual case.
* `pagepose_sessions_held_{sqlite,postgres}`: concurrent simulated sessions one server
  holds, each page sending landmarks at 30/s and pressing STOP (then resume) about once a
  second, with STOP → halt cue back p95 ≤ 50 ms and ≥ 90 % of the landmarks analysed (the
  server answers page landmarks at most 10 times a second while nothing shown changes, each
  answer counting the messages analysed since the one before: `web.frame_answers`) —
  goal ≥ 50 on this 2-core machine; the ramp's p95 at every step is printed too. Each
  step runs at least 12 s and long enough for ~`RAMP_STOPS` STOPs in all (52 s for one
  session), so its p95 is not just its slowest STOP. PostgreSQL is a throwaway cluster
  started here (Debian's binaries, as the integration tests do, fsync on), with
  `wal_init_zero=off`: a running cluster reuses its log segments, a new one would
  zero-fill each new 16 MB segment while commits wait.
* `pagepose_sessions_held_w2_{sqlite,postgres}`: the same with `serve --workers 2`: the
  sessions shared out between two worker processes over one store, each page talking to
  its session's worker (BENCH_WORKERS picks the worker counts; default 1 and 2). The
  simulated pages run on the same 2 cores as the server, so this understates a server
  whose pages run on other machines.
* `pagepose_page_fps`: poses per second the session page keeps in headless Chromium on
  this CPU (CPU delegate: WebGL is software here) — info; real machines use the GPU.

The server is the real app (`create_app`, the camera watch `backbuddy serve` wires) in a
subprocess; its sessions are started at start-up through the registry, each after its
own clean screening and 3 days apart (the history rules allow one a day). The simulated
pages are asyncio clients in this process. `python -m bench page_pose` runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import Result, emit  # noqa: E402

CLIP = ROOT / "tests" / "data" / "truth" / "hug_correct_slow_side_front_60_f71.mp4"
RATE = 30.0
STOP_GOAL_MS = 50.0
#: Each step of the sessions-held ramp runs at least 12 s and until about this many STOPs
#: (a page presses one every ~1.3 s): over the 9 STOPs of one page's 12 s the p95 was the
#: maximum, so one stall of the machine's disk decided the ramp at 1 session (session 19).
RAMP_STOPS = 40
#: A simulated page's STOP comes this long (uniform) after the last resume; its resume 0.3 s on.
PRESS_GAP_S = (0.7, 1.3)
RESUME_AFTER_S = 0.3
STOP_EVERY_S = sum(PRESS_GAP_S) / 2 + RESUME_AFTER_S
STEPS = (1, 2, 5, 10, 20, 30, 50, 75)
#: The per-session CPU is measured from this long after the page connected: opening a
#: session (its people detector, the first frames) is a one-time cost, reported apart.
WARM_S = 3.0
#: Role frames (two-person step) as the page sends them: from this long after the first
#: pose, when the server wants one (static/js/roles.js), or every `ROLE_EVERY_S` ("fixed").
ROLES_AFTER_S = 1.5
ROLE_EVERY_S = 0.4
#: Worker processes (`serve --workers`) the sessions-held ramp runs with, each in turn
#: (BENCH_WORKERS="1,2" by default; the simulated pages share the same 2 cores).
WORKERS = tuple(int(w) for w in os.environ.get("BENCH_WORKERS", "1,2").split(","))


# ── the server ────────────────────────────────────────────────────────────────


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: The workers' shared secret in a bench run (`web.workers`); never used outside it.
SECRET = "bench-worker-secret-0123456789"


def serve(
    port: int, db: str, sessions: int, first: int = 0, total: int = 0, worker: str = ""
) -> None:
    """The app with `sessions` live camera sessions on 127.0.0.1:`port`: sessions `first`..
    of `total` (all workers'), 3 days apart, oldest first, the last one now (the history
    allows one a day and 3 in 7, counting later ones too); `worker` ("INDEX:PORTS"): one
    worker of several (`serve --workers`)."""
    from datetime import UTC, datetime, timedelta

    from fastapi import FastAPI

    from backbuddy.cli.serve_cmd import camera_watch, run_app
    from backbuddy.config import Settings
    from backbuddy.domain import techniques as tech
    from backbuddy.domain.screening import load_questions
    from backbuddy.services.screening import take_screening
    from backbuddy.web.app import create_app
    from backbuddy.web.workers import Workers

    workers = None
    if worker:
        index, ports = worker.split(":")
        workers = Workers(tuple(int(p) for p in ports.split(",")), int(index), SECRET)
    app = create_app(
        Settings(db=db), analyzers=camera_watch(), grace_s=60.0, speaking=False, workers=workers
    )
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        async with inner(a):
            registry = a.state.registry
            # The page path's cost, so the hug's refusal of it with two people in view is
            # lifted here (`video.page_two_people`: the server would refuse every landmarks
            # message unread, a cost of nothing); side-lying runs this path as it is.
            hug = tech.get("seated_hug_extension")
            video = hug.video.model_copy(update={"page_two_people": True, "grey_fades": False})
            technique = hug.model_copy(update={"video": video})
            answers = {q.id: False for q in load_questions().questions}
            now = datetime.now(UTC)
            for k in range(first, first + sessions):
                when = now - timedelta(days=3 * (max(total, sessions) - 1 - k))
                take_screening(registry.store, technique.id, answers, when)
                registry.start(technique, True, when).await_page()
            yield

    app.router.lifespan_context = lifespan
    run_app(app, "127.0.0.1", port, None)  # as `backbuddy serve` runs it


@dataclass
class Server:
    """One server of `workers` processes; session ids 1..n, each worker a run of them."""

    processes: list[subprocess.Popen[bytes]]
    ports: list[int]
    #: The first session id each worker holds (ascending), for `url_of`.
    firsts: list[int]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports[0]}"

    def url_of(self, session_id: int) -> str:
        """The address of the worker whose engine runs `session_id` (session-affine)."""
        k = max(i for i, first in enumerate(self.firsts) if first <= session_id)
        return f"http://127.0.0.1:{self.ports[k]}"

    def cpu_s(self) -> float:
        """User + system CPU seconds the server's processes have used."""
        total = 0.0
        for process in self.processes:
            stat = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
        return total


def _wait_up(process: subprocess.Popen[bytes], port: int) -> None:
    import urllib.request

    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bench server did not start") from None
            time.sleep(0.2)


@contextmanager
def server(db: str, sessions: int, workers: int = 1) -> Iterator[Server]:
    """The server over `db` with `sessions` live sessions, shared out evenly among `workers`
    processes (`serve --workers`): each started after the one before is up, so the
    sessions' ids and dates run on from one worker to the next."""
    ports = [free_port() for _ in range(workers)]
    shares = [sessions // workers + (k < sessions % workers) for k in range(workers)]
    firsts = [1 + sum(shares[:k]) for k in range(workers)]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for k, port in enumerate(ports):
            cmd = [sys.executable, __file__, "serve", str(port), db, str(shares[k])]
            cmd += [str(firsts[k] - 1), str(sessions)]
            if workers > 1:
                cmd += [f"{k}:{','.join(map(str, ports))}"]
            processes.append(subprocess.Popen(cmd, cwd=ROOT))
            _wait_up(processes[-1], port)
        yield Server(processes, ports, firsts)
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)


# ── the simulated pages ──────────────────────────────────────────────────────


@dataclass(frozen=True)
class Clip:
    """What a simulated page sends, from one clip: binary landmarks messages (`ms` written
    in when sent, `stamp`) and role frames' JPEGs (base64), as the real page makes them."""

    landmarks: list[bytes]
    role_jpegs: list[str]
    #: Each frame's people as the page's detector sends them (`role_people`'s rows) and the
    #: frame's size.
    role_people: list[list[Any]] = field(default_factory=list)
    size: tuple[int, int] = (0, 0)


def page_messages(clip: Path = CLIP) -> Clip:
    """The binary landmarks messages (`web.page_landmarks`) a page sends for each frame of
    `clip`, rounded as the page's worker rounds them, and each frame's role frame (at most
    `ROLE_MAX_SIDE` px, JPEG quality 0.7, as `static/js/roles.js`); forwards, then
    backwards (a looped clip would jump at its end)."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    from backbuddy.adapters import video
    from backbuddy.adapters.movenet import PeopleDetector
    from backbuddy.adapters.pose_bundle import TasksPoseModel
    from backbuddy.web.page_landmarks import encode
    from backbuddy.web.page_pose import BUNDLE
    from backbuddy.web.page_roles import ROLE_MAX_SIDE

    landmarks, jpegs, people = [], [], []
    model, detector = TasksPoseModel(BUNDLE), PeopleDetector()
    size = (0, 0)
    try:
        with video.open_file(clip) as source:
            for f in source:
                image, world = model.estimate(f.rgb, round(f.t * 1000))
                size = (f.rgb.shape[1], f.rgb.shape[0])
                landmarks.append(encode(rounded(image), rounded(world), size, 0.0))
                picture = Image.fromarray(f.rgb)
                picture.thumbnail((ROLE_MAX_SIDE, ROLE_MAX_SIDE))
                out = io.BytesIO()
                picture.save(out, "JPEG", quality=70)
                jpegs.append(base64.b64encode(out.getvalue()).decode())
                people.append(people_rows(detector.detect(np.asarray(picture)), picture.size))
    finally:
        model.close()
    back = slice(-2, 0, -1)
    return Clip(landmarks + landmarks[back], jpegs + jpegs[back], people + people[back], size)


def people_rows(found: Any, size: tuple[int, int]) -> list[Any]:
    """MoveNet's people as the page's people worker sends them: keypoints [x, y, score] and
    box [x0, y0, x1, y1] in fractions of the frame, the person's score (4 decimals)."""
    w, h = size
    rows = []
    for kp, box, score in zip(found.keypoints, found.boxes, found.scores, strict=True):
        keypoints = [
            [round(float(x) / w, 4), round(float(y) / h, 4), round(float(c), 4)] for x, y, c in kp
        ]
        frac = [float(box[0]) / w, float(box[1]) / h, float(box[2]) / w, float(box[3]) / h]
        rows.append(
            [keypoints, [round(min(max(v, 0.0), 1.0), 4) for v in frac], round(float(score), 4)]
        )
    return rows


def stamp(message: bytes, ms: float, role_ms: float | None = None) -> bytes:
    """`message` with its capture time `ms` and the role answer it was cropped to, if any."""
    from backbuddy.web.page_landmarks import ROLE_MS

    flags = message[4] | (ROLE_MS if role_ms is not None else 0)
    return (
        message[:4]
        + bytes([flags])
        + message[5:16]
        + struct.pack("<dd", ms, role_ms or 0.0)
        + message[32:]
    )


def rounded(points: object) -> list[list[float]]:
    """As the page's worker rounds them: 5 decimals, visibility 3."""
    return [[round(float(v), 5) for v in p[:3]] + [round(float(p[3]), 3)] for p in points]  # type: ignore[attr-defined]


@dataclass
class PageStats:
    sent: int = 0
    #: `frame` answers, and the landmarks messages they say were analysed (`analysed`).
    answered: int = 0
    analysed: int = 0
    stops: list[float] = field(default_factory=list)
    pending: dict[str, float] = field(default_factory=dict)
    #: The newest role answer's `ms` (the page crops to its box and sends it as `role_ms`).
    role_ms: float | None = None
    role_frames: int = 0
    role_answers: int = 0
    role_wanted: int = 0
    #: perf_counter time from which the server wants the next role frame.
    role_due: float = 0.0


async def read(ws: Any, stats: PageStats) -> None:
    """Count frame answers and the messages they cover; time each STOP to its cues."""
    async for text in ws:
        msg = json.loads(text)
        if msg["type"] == "frame":
            stats.answered += 1
            stats.analysed += msg.get("analysed", 1)
        elif msg["type"] == "role":
            stats.role_answers += 1
            stats.role_due = time.perf_counter() + (msg.get("next_ms") or 0.0) / 1000
            if msg["identity"] == "receiver":
                stats.role_ms = msg["ms"]
        elif msg["type"] == "error" and msg.get("fatal"):
            # The server is about to close this page's socket: say why, once, here (a
            # bench that stops with only "1008 policy violation" tells nobody anything).
            print(f"page: the server refused it: {msg['code']}: {msg['message']}", flush=True)
        elif msg["type"] == "role_wanted":
            stats.role_wanted += 1
            stats.role_due = 0.0
        elif msg["type"] == "cues" and msg.get("ref") in stats.pending:
            sent = stats.pending.pop(msg["ref"])
            stats.stops.append((time.perf_counter() - sent) * 1000)


async def press(ws: Any, stats: PageStats) -> None:
    """STOP (timed), resume 0.3 s later, again after about a second."""
    k = 0
    while True:
        await asyncio.sleep(random.uniform(*PRESS_GAP_S))
        k += 1
        stats.pending[f"s{k}"] = time.perf_counter()
        await ws.send(event("stop", f"s{k}"))
        await asyncio.sleep(RESUME_AFTER_S)
        await ws.send(event("resume", f"r{k}"))


async def page(
    url: str, sid: int, clip: Clip, seconds: float, stats: PageStats, roles: str = ""
) -> None:
    """One page: landmarks at RATE while pressing STOP about once a second; with `roles`
    ("server" or "fixed"), role frames from `ROLES_AFTER_S` on, one awaiting its answer at a
    time (or 2 s), when the server wants one or every `ROLE_EVERY_S`; the newest answer's
    `ms` is carried as the landmarks' `role_ms`, as the page does. "people": as "server",
    with the frame's people (`role_people`) in place of its picture."""
    from websockets.asyncio.client import connect

    ws_url = url.replace("http", "ws") + f"/ws/session/{sid}"
    async with connect(ws_url, origin=url, max_size=2**20) as ws:  # type: ignore[arg-type]
        tasks = [asyncio.create_task(read(ws, stats)), asyncio.create_task(press(ws, stats))]
        start = time.perf_counter()
        t0_ms = random.uniform(0, 1e6)
        k, next_role, role_sent_at = 0, start + ROLES_AFTER_S, -math.inf
        while (now := time.perf_counter()) - start < seconds:
            ms = t0_ms + k * 1000 / RATE
            answered = stats.role_answers >= stats.role_frames or now - role_sent_at > 2.0
            due = now >= next_role and (roles == "fixed" or now >= stats.role_due)
            if roles and due and answered:
                frame = k % len(clip.role_jpegs)
                if roles == "people":
                    size, people = list(clip.size), clip.role_people[frame]
                    role = {"type": "role_people", "ms": ms, "size": size, "people": people}
                else:
                    role = {"type": "role_frame", "ms": ms, "jpeg": clip.role_jpegs[frame]}
                await ws.send(json.dumps({"v": 1, **role}))
                stats.role_frames += 1
                role_sent_at = now
                next_role = now + ROLE_EVERY_S if roles == "fixed" else next_role
            lm = clip.landmarks[k % len(clip.landmarks)]
            await ws.send(stamp(lm, ms, stats.role_ms if roles else None))
            stats.sent += 1
            # A page that fell behind (this process starved on a loaded machine) skips the
            # frames it missed, as a camera page does, rather than sending them in a burst
            # (60 in one second is a flood the server refuses).
            k = max(k + 1, int((time.perf_counter() - start) * RATE))
            await asyncio.sleep(max(0.0, start + k / RATE - time.perf_counter()))
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def event(kind: str, ref: str) -> str:
    return json.dumps({"v": 1, "type": "event", "event": {"event": kind}, "ref": ref})


def drive(
    srv: Server, sessions: int, clip: Clip, seconds: float, roles: str = ""
) -> list[PageStats]:
    """Every session's page, each on its session's worker."""
    stats = [PageStats() for _ in range(sessions)]

    async def main() -> None:
        await asyncio.gather(
            *(page(srv.url_of(i + 1), i + 1, clip, seconds, s, roles) for i, s in enumerate(stats))
        )

    asyncio.run(main())
    return stats


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")
    )


# ── the figures ─────────────────────────────────────────────────────────────────


def load_average() -> float:
    """The machine's 1-minute load average now: it is shared, so every figure carries it."""
    return os.getloadavg()[0]


#: The figures' names per role variant (`page`'s `roles`).
NAMES = {
    "": "pagepose",
    "server": "pagepose_roles",
    "fixed": "pagepose_roles_fixed",
    "people": "pagepose_people",
}


def cpu_per_session(tmp: Path, clip: Clip, seconds: float = 20.0, roles: str = "") -> list[Result]:
    """Server CPU for one session's page at 30 landmarks/s, from `WARM_S` after it connected
    (what a live session costs; opening it, the people detector included, is reported on its
    own). CPU time (not wall time) per message hardly depends on the machine's load; the %
    of a core is that × the rate."""
    import threading

    load = load_average()
    with server(f"sqlite:///{tmp / f'cpu{roles}.sqlite3'}", 1) as srv:
        time.sleep(1.0)
        box: dict[str, list[PageStats]] = {}
        pages = threading.Thread(
            target=lambda: box.setdefault("s", drive(srv, 1, clip, WARM_S + seconds, roles))
        )
        opened = srv.cpu_s()
        pages.start()
        time.sleep(WARM_S)
        before, wall = srv.cpu_s(), time.perf_counter()
        pages.join()
        used, wall = srv.cpu_s() - before, time.perf_counter() - wall
    stats = box["s"][0]
    sent = stats.sent * seconds / (WARM_S + seconds)
    name = NAMES[roles]
    out = [
        emit(
            f"{name}_server_cpu_per_session", 100 * used / wall, "%core", "info" if roles else "<=5"
        ),
        emit(f"{name}_server_cpu_ms_per_message", 1000 * used / sent, "ms", "info"),
        emit(f"{name}_server_cpu_opening_s", before - opened - WARM_S * used / wall, "s", "info"),
        emit(f"{name}_landmarks_rate", sent / seconds, "msg/s", "info"),
        emit(f"{name}_frame_answers_rate", stats.answered / (WARM_S + seconds), "msg/s", "info"),
        emit(f"{name}_cpu_load_average", (load + load_average()) / 2, "load", "info"),
    ]
    if roles:
        rate = stats.role_answers / (WARM_S + seconds - ROLES_AFTER_S)
        out.append(emit(f"{name}_role_answers_rate", rate, "answers/s", "info"))
        out.append(emit(f"{name}_role_wanted", stats.role_wanted, "messages", "info"))
    return out


def sessions_held(name: str, db_for: dict[int, str], clip: Clip, workers: int = 1) -> list[Result]:
    """Ramp the number of sessions; the largest that kept STOP p95 ≤ 50 ms and analysed ≥ 90 %
    of its landmarks.
    With `workers` > 1 the figures are named `…_w{workers}_…` (one process: as before)."""
    held, out = 0, []
    if workers > 1:
        name = f"w{workers}_{name}"
    for n in STEPS:
        load = load_average()
        with server(db_for[n], n, workers) as srv:
            time.sleep(1.0)
            before, wall, pages = srv.cpu_s(), time.perf_counter(), time.process_time()
            stats = drive(srv, n, clip, max(12.0, RAMP_STOPS * STOP_EVERY_S / n))
            used, wall = srv.cpu_s() - before, time.perf_counter() - wall
            pages = time.process_time() - pages
        stops = [s for st in stats for s in st.stops]
        analysed = sum(s.analysed for s in stats) / max(1, sum(s.sent for s in stats))
        p95 = pct(stops, 0.95)
        out.append(emit(f"pagepose_{name}_{n}_sessions_stop_p95", p95, "ms", "info"))
        out.append(emit(f"pagepose_{name}_{n}_sessions_analysed", 100 * analysed, "%", "info"))
        out.append(
            emit(f"pagepose_{name}_{n}_sessions_server_cpu", 100 * used / wall, "%core", "info")
        )
        # The simulated pages share the machine's cores with the server.
        out.append(
            emit(f"pagepose_{name}_{n}_sessions_pages_cpu", 100 * pages / wall, "%core", "info")
        )
        out.append(
            emit(
                f"pagepose_{name}_{n}_sessions_load_average",
                (load + load_average()) / 2,
                "load",
                "info",
            )
        )
        if p95 <= STOP_GOAL_MS and analysed >= 0.9:
            held = n
        else:
            break
    out.append(emit(f"pagepose_sessions_held_{name}", held, "sessions", ">=50"))
    return out


@contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster (fsync on); yields its base URL."""
    import pwd
    import shutil

    roots = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if not roots:
        raise RuntimeError("PostgreSQL binaries not found (make system-deps)")
    bindir, root, port = roots[0].parent, Path(tempfile.mkdtemp(prefix="bench-pg-")), free_port()
    owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        os.chown(root, pg.pw_uid, pg.pw_gid)
    run = {"check": True, "capture_output": True}
    subprocess.run([*owner, str(bindir / "initdb"), "-D", str(root / "d"), "-U", "postgres"], **run)
    # wal_init_zero=off: a new cluster writes 16 MB of zeros for each new log segment
    # while commits wait (COMMITs of 100–900 ms here, session 19); a running one reuses its
    # old segments, so this measures the steady state, not the first minutes of a cluster.
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=300"
    opts += " -c wal_init_zero=off"
    ctl = [*owner, str(bindir / "pg_ctl"), "-D", str(root / "d"), "-l", str(root / "log")]
    subprocess.run([*ctl, "-o", opts, "-w", "start"], **run)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*ctl, "-m", "immediate", "stop"], check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def create_db(base: str, name: str) -> str:
    import psycopg

    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def page_fps(tmp: Path, seconds: float = 15.0) -> list[Result]:
    """Poses a second the session page keeps in headless Chromium, pose in the page."""
    from playwright.sync_api import sync_playwright
    from tests.e2e.conftest import BROWSER_ARGS, CHROMIUM, start_server
    from tests.e2e.flows import start_session

    clip = tmp / "hug.y4m"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(CLIP), "-pix_fmt", "yuv420p"]
        + ["-r", "30", str(clip)],
        check=True,
    )
    srv = start_server(tmp, camera=True, grace=30.0)
    try:
        with sync_playwright() as p:
            args = [*BROWSER_ARGS, f"--use-file-for-fake-video-capture={clip}"]
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
            pg = browser.new_context().new_page()
            pg.goto(srv.url)
            pg.evaluate("localStorage.setItem('backbuddy-pose', 'page')")
            start_session(pg, srv.url, camera=True)
            pg.wait_for_function("window.backbuddy.pose.where === 'page'", timeout=60000)
            pg.wait_for_function("window.backbuddy.pose.stats.poses > 20", timeout=60000)
            first = pg.evaluate("() => window.backbuddy.pose.stats.poses")
            time.sleep(seconds)
            stats = pg.evaluate("() => window.backbuddy.pose.stats")
            browser.close()
    finally:
        srv.kill()
    infer = sorted(stats["inferMs"])
    return [
        emit("pagepose_page_fps", (stats["poses"] - first) / seconds, "poses/s", "info"),
        emit("pagepose_page_infer_ms_p50", infer[len(infer) // 2], "ms", "info"),
        emit("pagepose_page_delegate_gpu", float(stats["delegate"] == "GPU"), "bool", "info"),
    ]


def run(only: str = "") -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-pagepose-") as name:
        tmp = Path(name)
        messages = page_messages()
        if only in "cpu":
            results += cpu_per_session(tmp, messages)
        if only in "cpu_roles":
            results += cpu_per_session(tmp, messages, roles="server")
        if only in "cpu_roles_fixed":
            results += cpu_per_session(tmp, messages, roles="fixed")
        if only in "cpu_people":
            results += cpu_per_session(tmp, messages, roles="people")
        for workers in WORKERS:
            if only in "sqlite":
                dbs = {n: f"sqlite:///{tmp / f'held{workers}-{n}.sqlite3'}" for n in STEPS}
                results += sessions_held("sqlite", dbs, messages, workers)
            if only in "postgres":
                with postgres() as base:
                    dbs = {n: create_db(base, f"held{workers}_{n}") for n in STEPS}
                    results += sessions_held("postgres", dbs, messages, workers)
        if only in "page":
            results += page_fps(tmp)
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        first, total = int(sys.argv[5]), int(sys.argv[6])
        serve(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), first, total, *sys.argv[7:])
    else:
        run(sys.argv[1] if len(sys.argv) > 1 else "")
