"""Advisory file locks (`flock`) that the kernel releases when the holder dies, even on SIGKILL.

Used so that two `dynaguard serve` never run an engine on one data directory (two JVMs on the
same files break conditional writes) and so that concurrent installs into one cache take turns."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dynaguard.errors import DynaguardError


class LockHeld(DynaguardError):
    """Another process holds the lock; the message names its pid when it wrote one."""


@contextmanager
def exclusive_lock(path: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing) for the `with` block.

    Without `wait`, a lock held elsewhere raises `LockHeld` at once. The holder's pid is written
    into the file for the message only; the lock itself is the kernel's, never the file's
    content, so a stale file left by a killed process never blocks anyone."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as error:
        raise DynaguardError(f"cannot open the lock file {path}: {error}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            raise LockHeld(holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock


@contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """Hold `<data_dir>/serve.lock` while an engine runs on the directory's files."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DynaguardError(f"cannot create the data directory {data_dir}: {error}") from None
    try:
        with exclusive_lock(data_dir / "serve.lock"):
            yield
    except LockHeld as held:
        by = f" (pid {held})" if str(held).isdigit() else ""
        raise DynaguardError(
            f"data directory {data_dir} is in use by another dynaguard process{by}; "
            "stop it or pass another --data-dir"
        ) from None
