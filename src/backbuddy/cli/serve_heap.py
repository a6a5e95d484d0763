"""The server process's heap once it has started: set aside from the garbage collector.

By the time the app has started, the process holds ~220,000 Python objects (FastAPI,
pydantic, SQLAlchemy, numpy, the techniques and texts) that live as long as it does.
Python's cyclic collector walks all of them on every full collection: ~100 ms of one
core on this machine (500 ms at a load of 18), during which the event loop serves
nobody, so every session's STOP waits (issue 15). `gc.freeze()` moves them to a
generation the collector never walks; what sessions create later is collected as
before. Nothing the app does changes: only which objects the collector looks at.
The cost: a reference cycle among start-up objects that becomes garbage later is never
freed (start-up objects are the app itself, which lives until the process ends).

Then the youngest generation is collected every `YOUNG_THRESHOLD` new container objects
instead of Python's 700: with 50 sessions the server made ~12 young collections a second
(each pausing the event loop, the sessions' store threads waiting on the GIL) and, every
100 of them, a full one of 15–60 ms over what the sessions hold (issue 15, session 23).
Most objects a message makes are freed by their reference counts, so a larger threshold
means fewer, hardly longer, pauses and ten times fewer full collections; what is garbage
in a cycle is freed all the same, a little later.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

#: New container objects between two collections of the youngest generation (Python: 700).
YOUNG_THRESHOLD = 10_000


def freeze_heap() -> None:
    """Collect what start-up left as garbage, then set the rest aside (`gc.freeze`), and
    collect the young less often (`YOUNG_THRESHOLD`)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


def frozen_after_startup(app: FastAPI) -> FastAPI:
    """`app`, whose heap is frozen (`freeze_heap`) once its own start-up has run (the store
    opened, the registry made), before it serves anything."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        async with inner(a):  # the app's start-up keeps no lifespan state
            freeze_heap()
            yield

    app.router.lifespan_context = lifespan
    return app
