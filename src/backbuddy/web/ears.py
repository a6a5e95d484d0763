"""The server's listening models, shared by its sessions: Whisper once, Silero VAD per stream.

Whisper tiny.en is heavy (~75 MB, ~0.5 CPU-s per word), so the server loads it once
and recognises every session's utterances on one thread of its own, in turn: a
recognition never runs on the event loop nor on a session's store worker, so it
holds up no press. Voice activity is cheap (~1 ms per 32 ms window) and stateful,
so each page's stream gets its own. Nothing loads until a page sends audio, or, on a
server made with `warm=True` (`backbuddy serve`), until a session page opens (`warm_up`):
the first stream's models took 2–4 s to load on a busy 2-core machine (onnxruntime's
import and the VAD's session, then Whisper), and the microphone check's "stop" waited
for them, or the audio piled up past the backlog and was dropped (CI, session 18). A
missing model makes `problem` say why, and the page then says "say stop to your partner".
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from backbuddy import bootstrap
from backbuddy.audio.errors import ListeningUnavailable
from backbuddy.audio.heard import Heard, Utterance
from backbuddy.audio.samples import Samples
from backbuddy.services.listen import Listener, Recogniser, recognise

OFF = "listening is switched off on this server"


class Ears:
    """Listening for the whole server; `enabled=False` never loads a model."""

    def __init__(self, enabled: bool = True, warm: bool = False) -> None:
        self.enabled = enabled
        self.warm = warm and enabled
        self._warmed: Future[None] | None = None
        self._words: Recogniser | None = None
        self._problem: str | None = None if enabled else OFF
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="words")

    @property
    def problem(self) -> str | None:
        """Why the server cannot listen, once known (None: it can, or has not tried yet)."""
        return self._problem

    def prepare(self) -> Future[None]:
        """Load Whisper ahead of the first word, on the words thread (so it runs first)."""
        return self._pool.submit(self._load_words)

    @property
    def warming(self) -> Future[None] | None:
        """The warm-up asked for (under way or done), None when none was."""
        return self._warmed

    @property
    def ready(self) -> bool:
        """Both models are loaded (Whisper once; the VAD's import and first session)."""
        return self._words is not None and self._problem is None

    def warm_up(self) -> Future[None] | None:
        """On a warm server, load both models on the words thread now (once), so a page's
        first audio finds them ready; a failure sets `problem` as on first use."""
        if not self.warm:
            return None
        if self._warmed is None:
            self._warmed = self._pool.submit(self._load_all)
        return self._warmed

    def _load_all(self) -> None:
        if self._problem is None:
            try:
                self.listener()  # the VAD's import and first session; this stream is dropped
            except ListeningUnavailable:
                return
        self._load_words()

    def _load_words(self) -> None:
        if not self.enabled:
            return
        with self._lock:
            if self._words is not None or self._problem is not None:
                return
            try:
                self._words = bootstrap.words()
            except ListeningUnavailable as err:
                self._problem = str(err)
            except Exception as err:  # noqa: BLE001 - a broken model must not stop the server
                self._problem = f"the word model cannot load ({type(err).__name__}: {err})"

    def listener(self) -> Listener:
        """A new stream's listener; ListeningUnavailable when listening is off or broken."""
        if self._problem is not None:
            raise ListeningUnavailable(self._problem)
        try:
            return bootstrap.new_listener()
        except ListeningUnavailable as err:
            self._problem = str(err)
            raise
        except Exception as err:  # noqa: BLE001 - e.g. onnxruntime refusing the file
            self._problem = f"the voice-activity model cannot load ({type(err).__name__}: {err})"
            raise ListeningUnavailable(self._problem) from None

    def recognise(
        self, listener: Listener, utterance: Utterance, samples: Samples
    ) -> Future[Heard | None]:
        """The words of an utterance, on the words thread after any waiting before it."""

        def run() -> Heard | None:
            self._load_words()
            if self._words is None:
                return None
            return recognise(utterance, samples, self._words, listener.config)

        return self._pool.submit(run)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
