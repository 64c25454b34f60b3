"""What a function's handler can import, as in Lambda: its own code, its layers' Python
packages and the runtime's AWS SDK, and nothing else.

Lambda's Python runtime puts on ``sys.path`` the function's code (``/var/task``), then each
layer's ``python/lib/<runtime>/site-packages`` and ``python/`` (the layers are merged into
``/opt``), then the runtime's own packages: boto3 and botocore with their dependencies. The
workers run with ``python -S`` (none of this environment's site-packages) and exactly these
folders, so a handler importing a package its asset and layers lack fails locally with
``Runtime.ImportModuleError``, as it would in AWS, instead of quietly finding the dev
environment's copy.

Layers are built for Lambda's platform (the project's: arm64, Python 3.14), which is not this
host's. A pure-Python distribution (every wheel tag ``*-none-any``) is used straight from the
layer: the very files AWS runs. A distribution with compiled code cannot load here, so the same
name and version, built for this host, is installed (``--no-deps``: its dependencies are the
layer's) into a cache folder named by the hash of that set of pins and the host, and put ahead
of the layer on the path. It is paid once per machine and is offline afterwards, like the
bundling cache; uv installs it when this environment has uv, pip otherwise.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

# What Lambda's Python runtime provides besides the standard library: the AWS SDK and its
# dependencies. Linked from this environment (same pins as the handler tests run with).
RUNTIME_SDK = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")


def default_cache_dir() -> Path:
    """Where what is paid once per machine is kept: ``~/.cache/localcloud``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "localcloud"


class DependencyError(RuntimeError):
    """Host builds of a layer's compiled distributions could not be installed."""


@dataclass(frozen=True)
class Distribution:
    """One installed distribution in a layer."""

    name: str
    version: str
    pure: bool

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"


def layer_paths(layer: Path, runtime: str) -> list[Path]:
    """A layer's folders on Lambda's ``sys.path`` for ``runtime`` (``python3.14``), in
    Lambda's order."""
    python = layer / "python"
    return [path for path in (python / "lib" / runtime / "site-packages", python) if path.is_dir()]


def distributions(folders: list[Path]) -> list[Distribution]:
    """The distributions installed in ``folders`` (their ``*.dist-info``), in name order."""
    found: dict[str, Distribution] = {}
    for folder in folders:
        for info in sorted(folder.glob("*.dist-info")):
            dist = metadata.PathDistribution(info)
            name = dist.metadata["Name"]
            if not name or name.lower() in found:
                continue
            found[name.lower()] = Distribution(name, dist.version, _is_pure(dist))
    return [found[key] for key in sorted(found)]


def _is_pure(dist: metadata.Distribution) -> bool:
    wheel = dist.read_text("WHEEL")
    if wheel is not None:
        tags = [line[4:].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
        return bool(tags) and all(tag.endswith("-none-any") for tag in tags)
    # Not installed from a wheel: judge by what it installed.
    return not any(str(f).endswith((".so", ".pyd")) for f in dist.files or [])


class HostPackages:
    """Host builds of the compiled distributions layers carry, one cache folder per set."""

    def __init__(self, cache_dir: Path, python: str) -> None:
        self.cache_dir = cache_dir
        self.python = python
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def folder_for(self, found: list[Distribution]) -> Path | None:
        """The folder with host builds of the compiled ones among ``found`` (None if all are
        pure), installed on first use; :class:`DependencyError` if that fails."""
        pins = sorted(d.pin for d in found if not d.pure)
        if not pins:
            return None
        host = f"{os.path.realpath(self.python)}|{sys.version}|{sys.platform}"
        key = hashlib.sha256("\n".join([host, *pins]).encode()).hexdigest()[:24]
        target = self.cache_dir / key
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if not target.is_dir():
                self._install(pins, target)
        return target

    def _install(self, pins: list[str], target: Path) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=self.cache_dir))
        uv = Path(self.python).parent / "uv"
        if uv.exists():
            command = [str(uv), "pip", "install", "--quiet", "--python", self.python]
        else:
            command = [
                self.python,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ]
        command += ["--no-deps", "--target", str(building), *pins]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            raise DependencyError(
                f"could not install host builds of {', '.join(pins)}:\n{done.stderr.strip()}"
            )
        publish_folder(building, target)


def publish_folder(building: Path, target: Path) -> None:
    """Renames a folder built aside to ``target``: no process ever sees half a folder, and
    when another was first, its copy stays and this one goes."""
    try:
        building.rename(target)
    except OSError:
        if not target.is_dir():
            raise
        shutil.rmtree(building, ignore_errors=True)


def link_runtime_sdk(cache_dir: Path) -> Path:
    """A folder of links to this environment's copies of what Lambda's runtime provides
    (:data:`RUNTIME_SDK`): one folder on the workers' path, instead of all of site-packages.
    Kept in ``cache_dir``, named by those distributions' versions and places (reading which
    files they installed takes a while: botocore's list is long)."""
    found = []
    for name in RUNTIME_SDK:
        try:
            found.append(metadata.distribution(name))
        except metadata.PackageNotFoundError:
            continue  # e.g. six, which only older dateutils need
    recipe = "\n".join(f"{d.metadata['Name']}=={d.version}@{d.locate_file('')}" for d in found)
    target = cache_dir / hashlib.sha256(recipe.encode()).hexdigest()[:24]
    if target.is_dir():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=cache_dir))
    for dist in found:
        tops = {Path(str(f)).parts[0] for f in dist.files or []}
        for top in sorted(tops):
            if top in ("..", "__pycache__") or (building / top).exists():
                continue
            source = Path(str(dist.locate_file(top)))
            if source.exists():
                (building / top).symlink_to(source)
    publish_folder(building, target)
    return target
