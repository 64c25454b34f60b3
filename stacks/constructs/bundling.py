"""Docker-free Lambda assets.

CDK bundles assets in a Docker container unless a local bundler says it did the job. These local
bundlers always do it, with tools this machine already has (pip, a file copy), so synthesis never
needs a Docker engine. The Docker image named in the options is never pulled: if a local bundler
cannot do its job it raises, rather than letting CDK fall back to Docker.
"""

from __future__ import annotations

import fnmatch
import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

REPO_ROOT = Path(__file__).resolve().parents[2]
# pip's output is cached per requirements + platform, so a synth after the first is offline.
CACHE_DIR = REPO_ROOT / ".cache" / "bundling"
_NEVER_PULLED = DockerImage.from_registry("docker-is-not-used-see-stacks-constructs-bundling")
_IGNORED = ["__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache"]

_PIP_PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}


class BundlingError(RuntimeError):
    pass


@jsii.implements(ILocalBundling)
class _PipInstall:
    """Installs a requirements file for the Lambda platform into ``python/`` (layer layout)."""

    def __init__(
        self,
        requirements: Path,
        *,
        python_version: str,
        architecture: str,
        platforms: Sequence[str] = (),
        pure_sdists: Sequence[str] = (),
    ) -> None:
        self.requirements = requirements
        self.python_version = python_version
        self.platforms = tuple(platforms) or (_PIP_PLATFORMS[architecture],)
        # Pure-Python distributions published only as source (pyvips): built here into a
        # wheel (py3-none-any, so any platform's) that the install then finds.
        self.pure_sdists = tuple(pure_sdists)

    @property
    def platform(self) -> str:
        return self.platforms[0]

    @property
    def cache_key(self) -> str:
        recipe = f"{self.requirements.read_text()}|{self.platform}|{self.python_version}"
        if len(self.platforms) > 1:
            recipe += "|" + ",".join(self.platforms)
        if self.pure_sdists:
            recipe += "|" + ",".join(self.pure_sdists)
        return hashlib.sha256(recipe.encode()).hexdigest()[:24]

    def _wheelhouse(self, building: Path) -> list[str]:
        """``--find-links`` to wheels built from ``pure_sdists`` (none: no arguments)."""
        if not self.pure_sdists:
            return []
        wheels = building / "wheels"
        command = [
            sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
            "--no-deps", "--no-binary=:all:", "--wheel-dir", str(wheels), *self.pure_sdists,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BundlingError(f"pip could not build {self.pure_sdists}:\n{done.stderr}")
        if any(not wheel.name.endswith("-py3-none-any.whl") for wheel in wheels.iterdir()):
            raise BundlingError(f"{self.pure_sdists} did not build as pure-Python wheels")
        return ["--find-links", str(wheels)]

    def try_bundle(self, output_dir: str, options: Any = None) -> bool:
        cached = CACHE_DIR / self.cache_key
        if not cached.is_dir():
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            # Build in a private folder, then rename: concurrent synths (two stages at once)
            # never see a half-built cache entry, and the loser of the race drops its copy.
            building = Path(tempfile.mkdtemp(prefix=f"{self.cache_key}.", dir=CACHE_DIR))
            try:
                find_links = self._wheelhouse(building)
            except BundlingError:
                shutil.rmtree(building, ignore_errors=True)
                raise
            command = [
                sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-compile", "--only-binary=:all:", "--implementation", "cp",
                *(f"--platform={platform}" for platform in self.platforms),
                "--python-version", self.python_version,
                "--target", str(building / "python"), "-r", str(self.requirements),
                *find_links,
            ]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                shutil.rmtree(building, ignore_errors=True)
                raise BundlingError(f"pip could not bundle {self.requirements}:\n{done.stderr}")
            shutil.rmtree(building / "wheels", ignore_errors=True)
            try:
                building.rename(cached)
            except OSError:
                if not cached.is_dir():
                    raise
                shutil.rmtree(building, ignore_errors=True)
        shutil.copytree(cached, output_dir, dirs_exist_ok=True)
        return True


@jsii.implements(ILocalBundling)
class _CopyPackages:
    """Copies each package folder as ``<package>/``, so a handler imports as
    ``<package>.handler`` and the shared packages it uses import by their own names."""

    def __init__(self, sources: Sequence[Path]) -> None:
        self.sources = sources

    def try_bundle(self, output_dir: str, options: Any = None) -> bool:
        for source in self.sources:
            shutil.copytree(
                source,
                Path(output_dir) / source.name,
                ignore=shutil.ignore_patterns(*_IGNORED, "requirements.txt"),
                dirs_exist_ok=True,
            )
        return True


def _fingerprint(sources: Sequence[Path]) -> str:
    """A hash of every file the bundle copies (names and contents): CDK hashes only an asset's
    own folder, which would miss a change in a shared package."""
    digest = hashlib.sha256()
    for source in sources:
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source.parent)
            ignored = any(
                fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in _IGNORED
            )
            if path.is_dir() or ignored:
                continue
            digest.update(f"{relative.as_posix()}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:32]


def _local(bundler: _PipInstall | _CopyPackages) -> ILocalBundling:
    # jsii calls try_bundle(output_dir, options) positionally; the generated protocol spells the
    # options out as keywords, so mypy needs telling that these classes do implement it.
    return cast(ILocalBundling, bundler)


def handler_package_code(source: Path, *, shared: Sequence[Path] = ()) -> lambda_.Code:
    """The code of one ``lambdas/<package>`` folder, importable as ``<package>``, with the
    ``shared`` package folders beside it."""
    sources = [source, *shared]
    return lambda_.Code.from_asset(
        str(source),
        exclude=_IGNORED,
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=_fingerprint(sources),
        bundling=BundlingOptions(image=_NEVER_PULLED, local=_local(_CopyPackages(sources))),
    )


def requirements_layer_code(
    requirements: Path,
    *,
    python_version: str,
    architecture: lambda_.Architecture,
    platforms: Sequence[str] = (),
    pure_sdists: Sequence[str] = (),
) -> lambda_.Code:
    """A layer with the packages of ``requirements``, built for the Lambda platform by pip.

    ``platforms`` override the pip platform tags (manylinux2014 for the architecture): some
    packages publish only newer ones such as ``manylinux_2_28_aarch64``, others only older
    ones, and pip takes a wheel of any tag listed. ``pure_sdists`` are requirement pins
    published only as source, built into pure-Python wheels first."""
    bundler = _PipInstall(
        requirements,
        python_version=python_version,
        architecture=architecture.name,
        platforms=platforms,
        pure_sdists=pure_sdists,
    )
    return lambda_.Code.from_asset(
        str(requirements.parent),
        # The hash covers what decides the content: the requirements and the target platform
        # (CDK's cache ignores the local bundler, so the platform must be part of the key).
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=bundler.cache_key,
        bundling=BundlingOptions(
            image=_NEVER_PULLED, local=_local(bundler), platform=f"linux/{architecture.name}"
        ),
    )
