"""Spoken cues for the web page: sentences rendered on the server (Piper's joe voice, the same
cache as the terminal guide) and served by a cache key, `GET /speech/{key}.wav`.

Each cues message carries the sentences to speak (`services.cue_speech.spoken_parts`),
each with the address of its rendered WAV. Only sentences the server itself issued
have a key, so nobody can make it render arbitrary text. Every fixed sentence of a
technique is rendered in the background when a session starts (once per machine:
the cache is on disk), so a cue plays without synthesis delay; a sentence not yet
rendered is rendered when first asked for. When no voice can load, the route
answers 404 and the page speaks with the browser's own voice (Web Speech) instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

from backbuddy import bootstrap
from backbuddy.audio.errors import SpeechUnavailable
from backbuddy.domain.cues import Cue
from backbuddy.domain.techniques import Technique
from backbuddy.services.cue_speech import fixed_texts, spoken_parts, spoken_with_gaps

router = APIRouter()


class RenderedSpeech(Protocol):
    """What the page's voice needs of the speech cache `bootstrap.speech_cache` builds."""

    def get(self, text: str) -> Path: ...


class WebVoice:
    """The server's voice: sentence → key → rendered WAV; `enabled=False` gives no URLs."""

    def __init__(self, enabled: bool = True, folder: Path | None = None) -> None:
        self.enabled = enabled
        self.folder = folder
        self.texts: dict[str, str] = {}
        self.problem: str | None = None if enabled else "spoken cues from the server are off"
        self._cache: RenderedSpeech | None = None
        self._lock = threading.Lock()

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def part(self, text: str, gap_s: float | None = None) -> dict[str, Any]:
        """A sentence to speak, with the address of its audio (None: the page's voice says it)
        and, where we speak less, the silence to leave after it (`gap_s`)."""
        out: dict[str, Any] = {"text": text, "url": None}
        if gap_s is not None:
            out["gap_s"] = gap_s
        if self.problem is None:
            key = self.key(text)
            self.texts[key] = text
            out["url"] = f"/speech/{key}.wav"
        return out

    def parts(
        self, cues: Iterable[Cue], listening: bool, gap_s: float | None = None
    ) -> list[dict[str, Any]]:
        """The sentences to speak for `cues`; with `gap_s` (our echo is loud and the hands are
        on) in pieces with a silence after each (`cue_speech.with_gaps`)."""
        if gap_s is None:
            return [self.part(s) for cue in cues for s in spoken_parts(cue, listening)]
        return [
            self.part(p, gap) for cue in cues for p, gap in spoken_with_gaps(cue, listening, gap_s)
        ]

    def warm(self, technique: Technique) -> None:
        """Render every fixed sentence of a session of `technique` on a background thread."""
        if self.problem is not None:
            return
        texts = fixed_texts(technique, technique.limits.attempts)
        for text in texts:
            self.texts[self.key(text)] = text

        def run() -> None:
            for text in texts:
                if self.render(text) is None:
                    return

        threading.Thread(target=run, name="speech-warm", daemon=True).start()

    def render(self, text: str) -> Path | None:
        """The WAV of `text` (rendered now if needed); None when no voice can speak."""
        with self._lock:
            if self.problem is not None:
                return None
            try:
                if self._cache is None:
                    self._cache = bootstrap.speech_cache(self.folder)
                return self._cache.get(text)
            except SpeechUnavailable as err:
                self.problem = str(err)
            except Exception as err:  # noqa: BLE001 - a voice that fails falls back to the page's
                self.problem = f"the voice failed ({type(err).__name__}: {err})"
            return None


@router.get("/speech/{key}.wav", include_in_schema=False)
async def speech(key: str, request: Request) -> FileResponse:
    """A sentence the server issued, as WAV; 404 when unknown or when no voice can render it."""
    voice: WebVoice = request.app.state.registry.voice
    text = voice.texts.get(key)
    if text is None:
        raise HTTPException(404, "no such sentence")
    path = await asyncio.to_thread(voice.render, text)
    if path is None:
        raise HTTPException(404, f"no voice on the server: {voice.problem}")
    return FileResponse(
        path, media_type="audio/wav", headers={"Cache-Control": "private, max-age=86400"}
    )
