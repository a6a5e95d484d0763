"""`backbuddy analyze PATH`: what the camera layer sees in a recorded clip or a photo."""

from __future__ import annotations

import json
import sys
from contextlib import closing
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from backbuddy import bootstrap
from backbuddy.cli.options import JsonOption
from backbuddy.domain import techniques as tech
from backbuddy.domain import wording
from backbuddy.motion.analysis import FLAGGED, Analysis, cut_short_text, summarise
from backbuddy.reports.output import OutputError
from backbuddy.services import analyze as service

console = Console()


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze_cmd)


def analyze_cmd(
    path: Annotated[Path, typer.Argument(help="A video file (.mp4, .avi, …) or an image.")],
    technique_id: Annotated[
        str | None,
        typer.Option(
            "--technique",
            metavar="ID",
            help="Technique whose checks and limits apply; default: chosen from the posture.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Write summary.json, landmarks.npz and report.html into this folder "
            "(made if missing; checked before the analysis starts).",
        ),
    ] = None,
    audio: Annotated[
        Path | None,
        typer.Option(
            "--audio",
            metavar="FILE",
            help="Listen for pops in this recording (WAV, or a video's sound); default: the "
            "clip's own sound track, if it has one.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Analyse a clip or a photo: posture checks, speed and range against the limits, moments
    (a pop heard in the sound is marked too; it is never the goal)."""
    technique = tech.get(technique_id) if technique_id else None
    if out is not None:
        _make_folder(out)  # before minutes of analysis, not after
    with bootstrap.quiet_native_logs() as stderr:  # MediaPipe's and FFmpeg's C++ logging
        progress_console = Console(file=stderr)
        with bootstrap.open_clip(path) as clip:
            analysis = _run(clip, technique, progress_console)
        analysis = _listen(analysis, path, audio)
        summary = summarise(analysis)
        if out is not None:
            paths = _write(out, path, analysis, summary)
            progress_console.print(f"Report: {paths['report']}")
    if as_json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    else:
        _print(summary)


def _run(
    clip: bootstrap.Video, technique: tech.Technique | None, progress_console: Console
) -> Analysis:
    from backbuddy.config import load_settings
    from backbuddy.domain.errors import PoseModelError

    info = clip.info
    open_model = bootstrap.pose_model_factory(load_settings(), still=info.still)
    if open_model is None:
        raise PoseModelError("MediaPipe's pose model is not installed: run `make` first")
    columns = (
        TextColumn("[bold]Analysing[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("frames"),
        TimeRemainingColumn(),
    )
    with (
        Progress(*columns, console=progress_console, transient=True) as progress,
        closing(open_model()) as model,
    ):
        task = progress.add_task("analyse", total=info.frames)
        return service.analyze(
            clip.frames,
            info,
            model,
            technique,
            on_frame=lambda _i: progress.advance(task),
        )


def _make_folder(out: Path) -> None:
    """The --out folder, made now; if it cannot be, one line naming it (exit 2)."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is a file; give a folder for the report files")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(
            f"--out {out}: cannot make this folder ({err.strerror}); nothing was analysed"
        ) from None


def _listen(analysis: Analysis, path: Path, audio: Path | None) -> Analysis:
    """Pops from `audio`, or from the clip's own sound track when it has one."""
    from backbuddy.audio.errors import AudioError

    if audio is None and (analysis.still or path.suffix.lower() in (".jpg", ".jpeg", ".png")):
        return analysis
    try:
        samples = bootstrap.read_audio(audio or path)
    except AudioError:
        if audio is not None:
            raise
        return analysis  # a clip without sound: nothing to listen to
    from backbuddy.audio.errors import ListeningUnavailable

    try:
        vad = bootstrap.voice_activity()
    except ListeningUnavailable as err:
        Console(stderr=True).print(f"[yellow]Not listening for pops: {err}[/]")
        return analysis
    return service.with_pops(analysis, samples, vad)


def _write(out: Path, path: Path, a: Analysis, summary: dict[str, Any]) -> dict[str, Path]:
    from backbuddy.reports import analysis_html

    wanted = service.snapshot_frames(a)
    frames = bootstrap.clip_frames(path, [i for i, _ in wanted])
    shots = [(frames[i], a.landmarks.image[i], caption) for i, caption in wanted if i in frames]
    try:
        return analysis_html.write(out, a, summary, service.arrays(a), shots)
    except OSError as err:
        where = err.filename or out
        raise OutputError(f"--out {out}: cannot write {where} ({err.strerror})") from None


def _print_placement(p: dict[str, Any]) -> None:
    if p["azimuth_deg"] is None:
        console.print("camera placement: not estimated (the receiver was never seen still)")
        return
    where = (
        f"camera placement: azimuth {p['azimuth_deg']:g}° (0 = in front of the chest, 90 = the "
        f"side), elevation {p['elevation_deg']:g}° (+ = looking down)"
    )
    if p["valid"] is False:
        console.print(
            f"[bold red]{where}: the speed and range numbers are NOT valid from here.[/] "
            f"{p['hint'] or ''}"
        )
    else:
        console.print(where + ("" if p["valid"] is None else ": the measures hold from here."))


def _print(s: dict[str, Any]) -> None:
    fps = "still image" if s["fps"] is None else f"{s['fps']:g} fps"
    console.print(
        f"[bold]{s['source']}[/]: {s['frames']} frames ({fps}), person in {s['detected_frames']}, "
        f"processed at {s['processing_fps']:g} frames/s; technique [cyan]{s['technique']}[/]"
    )
    if s["cut_short"]:
        console.print(f"[bold yellow]{cut_short_text(s)}[/]")
    _print_placement(s["placement"])
    if s["hint"]:
        console.print(f"[bold yellow]{s['hint']}[/]")
    if s["max_speed_deg_s"] is not None:
        console.print(f"highest speed of the primary measure: {s['max_speed_deg_s']:g} °/s")
    table = Table(title="Set-up checks (share of frames with a person that pass)")
    table.add_column("check")
    table.add_column("passing", justify="right")
    for cid, share in s["checks"].items():
        table.add_row(cid, f"{share:.0%}")
    console.print(table)
    if s["events"]:
        moments = Table(title="Moments")
        for col in ("t (s)", "what", "detail"):
            moments.add_column(col)
        for e in s["events"]:
            style = "bold red" if e["kind"] in FLAGGED else ""
            moments.add_row(f"{e['t']:.2f}", e["kind"], e["detail"], style=style)
        console.print(moments)
    else:
        console.print("Nothing was flagged.")
    console.print(f"[dim]The limits compared against are {wording.LIMITS_NOTE}.[/]")
