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
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI


def freeze_heap() -> None:
    """Collect what start-up left as garbage, then set the rest aside (`gc.freeze`)."""
    gc.collect()
    gc.freeze()


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
