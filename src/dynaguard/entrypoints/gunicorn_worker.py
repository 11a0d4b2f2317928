"""The gunicorn worker class: uvicorn's worker with dynaguard's server-level bounds.

`uvicorn_worker.UvicornWorker` runs uvicorn with its defaults (the httptools parser, which buffers
a request head of any size and waits for it forever), so the header bounds of `dynaguard serve`
did not hold under gunicorn. This worker gives uvicorn the same arguments `serve` does
(`dynaguard.fastapi.server.uvicorn_limits`), read from the environment's `DYNAGUARD_*` settings:

    gunicorn -k dynaguard.entrypoints.gunicorn_worker.BoundedUvicornWorker ...

It needs the `gunicorn` extra (`pip install 'dynaguard[gunicorn]'`)."""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker

from dynaguard.config import Settings
from dynaguard.fastapi.server import uvicorn_limits


class BoundedUvicornWorker(UvicornWorker):  # type: ignore[misc]  # untyped base
    """A uvicorn worker whose request heads are bounded in size and time, whose idle keep-alive
    connections close, and whose event loop accepts waiting connections fairly under overload
    (asyncio's, not uvloop), as under `dynaguard serve`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # uvicorn's worker applies CONFIG_KWARGS last; the protocol is named by import path, so
        # it reads its header deadline from the same environment in the worker process
        limits = uvicorn_limits(Settings(), workers=2)
        self.CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, **limits}
        super().__init__(*args, **kwargs)
