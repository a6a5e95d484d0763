"""`backbuddy guide`: a guided session in the terminal, live or headless from an event file."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.prompt import Confirm, Prompt

from backbuddy.bootstrap import open_store, store_place
from backbuddy.cli import guide_checks as checks
from backbuddy.cli.answers_file import read_answers
from backbuddy.cli.guide_camera import CameraOption
from backbuddy.cli.guide_voice import AudioOption, MicOption, VoiceOption
from backbuddy.cli.options import DbOption, JsonOption
from backbuddy.cli.screen_cmd import ask, keeper
from backbuddy.config import load_settings
from backbuddy.domain import cues as cue_mod
from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import ScreeningRequired
from backbuddy.domain.screening import load_questions
from backbuddy.services import guide
from backbuddy.services.screening import recheck_start
from backbuddy.services.session_runner import MAX_SIMULATED_S, SessionRunner

console = Console()
err_console = Console(stderr=True)

EventsOption = Annotated[
    str | None,
    typer.Option(
        "--events",
        metavar="FILE.jsonl",
        help='Headless: read events, one JSON object a line ({"t": 0, "event": "begin"}), '
        "from a file or - for standard input; time is simulated (t at most "
        f"{MAX_SIMULATED_S:g} s = {MAX_SIMULATED_S / 3600:g} h, at most "
        f"{guide.MAX_EVENTS:,} events). Events run as they are read: a bad line stops "
        "the run with exit 2, keeping what came before it (the session is marked "
        "interrupted).",
    ),
]
AnswersOption = Annotated[
    Path | None,
    typer.Option(
        "--screening-answers",
        metavar="FILE",
        help="Screen now from a YAML/JSON answers file instead of using this sitting's screening.",
    ),
]


def register(app: typer.Typer) -> None:
    app.command("guide")(guide_cmd)


def guide_cmd(
    technique_id: Annotated[
        str | None, typer.Argument(metavar="[TECHNIQUE]", help="Technique id; asked if omitted.")
    ] = None,
    events: EventsOption = None,
    as_json: JsonOption = False,
    screening_answers: AnswersOption = None,
    db: DbOption = None,
    camera: CameraOption = None,
    voice: VoiceOption = None,
    mic: MicOption = False,
    audio: AudioOption = None,
) -> None:
    """Guide the receiver and the assistant through a technique, paced by the breath.

    Live keys: space STOP · Enter ready/resume · r resistance · p pop · q end.

    Feel: c comfortable stretch · d discomfort. Stop for good: s sharp pain ·
    l localised pain · n numbness · t tingling · w weakness · z dizziness · h chest pain.

    A valid screening from this sitting is required. With --mic (or --audio) speech
    pauses the movement and "stop", "ouch" or "pain" stop the session.
    """
    if mic and (events is not None or audio is not None):
        raise typer.BadParameter("--mic listens live; to hear a recording use --audio FILE.wav")
    settings = load_settings(db=db)
    technique = tech.get(technique_id or _choose_technique(events))
    answers = read_answers(screening_answers) if screening_answers else None
    opened = open_store(settings)
    for sid in opened.interrupted:
        err_console.print(f"[yellow]Session {sid} was interrupted; it is marked so in history.[/]")
    with opened.store as store:
        now = datetime.now(UTC)
        valid_for = timedelta(hours=settings.screening_valid_hours)
        if events is None and answers is None:
            answers = _offer_screening(store, valid_for, technique, now)
        # Before the first check: the start re-checks under the store's lock if anything
        # stored since could change it (a start racing in another process).
        again = recheck_start(store, technique.id, now, settings.limits_for(technique).pop_rest_min)
        screening_id, result = guide.screening_for(store, valid_for, technique, now, answers)
        state = guide.new_state(settings.limits_for(technique), technique, result)
        out = err_console if as_json else console
        checks.before_start(
            store, technique.id, now, state.limits.pop_rest_min, out, ask=events is None
        )
        if events is not None:
            _headless(store, state, screening_id, events, as_json, now, audio, again)
            return
        from backbuddy.cli.guide_camera import run_with_camera
        from backbuddy.cli.guide_live import run_live
        from backbuddy.cli.guide_voice import open_voice
        from backbuddy.services.cue_speech import fixed_texts

        texts = fixed_texts(state.technique, state.limits.attempts)
        spoken = open_voice(voice is not False, mic, audio, console, texts)
        runner = SessionRunner.start(store, state, screening_id, now, camera is not None, again)
        try:
            if camera is not None:
                run_with_camera(runner, console, camera, settings, spoken)
            else:
                run_live(runner, console, spoken, store_place(settings))
        finally:
            spoken.close()
        checks.after_session(store, runner.session_id, datetime.now(UTC), console)


def _choose_technique(events: str | None) -> str:
    if events is not None:
        raise typer.BadParameter("name the technique, e.g. backbuddy guide seated_hug_extension")
    choices = list(tech.load_all())
    for i, tid in enumerate(choices, 1):
        console.print(f"  {i}. {tid}")
    picked = Prompt.ask("Which technique?", choices=[str(i) for i in range(1, len(choices) + 1)])
    return choices[int(picked) - 1]


def _offer_screening(
    store: Any, valid_for: timedelta, technique: tech.Technique, now: datetime
) -> dict[str, Any] | None:
    """I1 in the terminal: no valid screening yet → offer to take it now."""
    try:
        guide.screening_for(store, valid_for, technique, now)
    except ScreeningRequired as err:
        console.print(f"[yellow]{err}[/]")
        if not Confirm.ask("Answer the screening questions now?", default=True):
            raise
        return dict(ask(load_questions(), technique, console, keeper(store, valid_for)))
    return None


def _headless(
    store: Any,
    state: Any,
    screening_id: int | None,
    source: str,
    as_json: bool,
    now: datetime,
    audio: Path | None = None,
    again: Callable[[], object] | None = None,
) -> None:
    """Events run as they are read; a bad line stops there, keeping what came before it
    (`again`: the start rules re-read under the store's start lock)."""
    if source == "-":
        lines: Iterable[str] = sys.stdin
    else:
        lines = _read_lines(source)
        guide.check_length(lines, source)  # a file too long for one session: refused whole
    run = guide.HeadlessRun(
        store, state, screening_id, now, lambda c: _print_cue(c, as_json), recheck=again
    )
    if audio is None:
        guide.run_headless(run, guide.EventReader(lines, now))
        return
    from backbuddy.cli.guide_voice import hear_file
    from backbuddy.services.listen_run import run_with_audio

    heard, audio_end = hear_file(audio, err_console)
    run_with_audio(run, guide.EventReader(lines, now), heard, audio_end, _skipped)


def _skipped(event: Any, err: Exception) -> None:
    err_console.print(f"[yellow]skipped {event.kind} at t={event.t:g}: {err}[/]")


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise typer.BadParameter(f"{path}: cannot read events file ({err.strerror})") from None


def _print_cue(cue: cue_mod.Cue, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(cue_mod.to_dict(cue)) + "\n")
        sys.stdout.flush()
        return
    style = {"halt": "bold red", "pause": "yellow", "move": "bold green", "refer": "magenta"}
    console.print(
        f"[dim]{cue.t:7.1f}s[/] [{style.get(cue.kind, 'white')}]{cue.kind:<9}[/] {cue.text}"
    )
