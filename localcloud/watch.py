"""Watch mode: edit a handler and the running function answers with the new code at its next
invocation; edit a stack and the changed stacks are updated in place, their data kept.

The watcher knows the project only as paths that ``__main__`` passes in (DESIGN.md section 3:
the local cloud reads cdk.out and imports nothing of the project):

- *code folders* (``lambdas/``): a changed Python file in ``lambdas/<package>/`` is hot-swapped,
  without synthesis. The functions to swap are found through the synthesized assets: every
  ``AWS::Lambda::Function`` whose code asset folder in cdk.out holds ``<package>/``, which is
  every function that bundles the package, as its handler package or beside it (a shared
  package such as ``lambdas/shared/``). Each gets, through the Lambda API
  (``UpdateFunctionCode``), that asset with the current files of every package it bundles in
  place of the synthesized ones (so that two edits, to a handler and to a shared package, both
  stay); its code hash changes, so the runtime extracts the new code into a folder of its own
  and replaces its warm workers at the next invocation (``awslambda/runtime.py``: a pool's
  fingerprint is the code).
- *stack paths* (``stacks/``, ``app.py``, ``cdk.json``, ``web/``), and any other file in a code
  folder (a JSON schema, a requirements file: templates may read those too): the app is
  synthesized again and every stack is brought to its new template through a CloudFormation
  change set, as ``cdk deploy`` does (``Deployer.update_stack``); an unchanged stack makes an
  empty change set and is left alone. Tables and buckets are updated in place, so their data
  stays. A stack new to the app is created. A failed synthesis or update is reported and the
  cloud keeps what it had.

Files are polled (modification time and size, every ``interval_s``): a project has a few
dozen files, a scan costs about a millisecond, and nothing native is needed.
"""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .deployer import Deployer, StackArtifact, read_assembly
from .synth import SynthError, synthesize

# Never part of a change: byte code, caches, editors' and tools' own files.
_IGNORED_PARTS = ("__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache")
_IGNORED_SUFFIXES = (".pyc", ".pyo", ".swp", ".swx", "~")

Report = Callable[[str], None]
Snapshot = dict[Path, tuple[int, int]]


def _ignored(path: Path) -> bool:
    return (
        any(part in _IGNORED_PARTS or part.startswith(".") for part in path.parts)
        or path.name.endswith(_IGNORED_SUFFIXES)
        or path.name.startswith(".#")
    )


def snapshot(roots: Iterable[Path]) -> Snapshot:
    """Modification time and size of every file under ``roots`` (files or folders)."""
    found: Snapshot = {}
    for root in roots:
        candidates = [root] if root.is_file() else root.rglob("*") if root.is_dir() else []
        for path in candidates:
            relative = path.relative_to(root.parent)
            if _ignored(relative):
                continue
            try:
                stat = path.stat()
            except OSError:  # removed while scanning
                continue
            if path.is_file():
                found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def changed_files(before: Snapshot, after: Snapshot) -> set[Path]:
    """Files added, removed or modified between two snapshots."""
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


# ---------------------------------------------------------------------------------------
# which deployed functions run which handler package


@dataclass(frozen=True)
class FunctionCode:
    """A function of a stack and the synthesized asset folder its code was zipped from."""

    stack_name: str
    logical_id: str
    asset_dir: Path

    def bundles(self, package: str) -> bool:
        return (self.asset_dir / package).is_dir()


def function_code(cdk_out: Path) -> list[FunctionCode]:
    """Every ``AWS::Lambda::Function`` whose code is a folder asset of the assembly: matched by
    its ``Code.S3Key`` to the asset that the ``*.assets.json`` manifests upload under that key."""
    found: list[FunctionCode] = []
    for stack in read_assembly(cdk_out):
        folders = _asset_folders(stack, cdk_out)
        for logical_id, resource in stack.template.get("Resources", {}).items():
            if resource.get("Type") != "AWS::Lambda::Function":
                continue
            key = (resource.get("Properties", {}).get("Code") or {}).get("S3Key")
            folder = folders.get(key) if isinstance(key, str) else None
            if folder is not None:
                found.append(FunctionCode(stack.stack_name, logical_id, folder))
    return found


def _asset_folders(stack: StackArtifact, cdk_out: Path) -> dict[str, Path]:
    """Object key -> the folder a zip asset is made of."""
    folders: dict[str, Path] = {}
    for manifest_file in stack.asset_manifests:
        manifest = json.loads(manifest_file.read_text())
        for asset in manifest.get("files", {}).values():
            source = cdk_out / asset["source"]["path"]
            if asset["source"].get("packaging") != "zip" or not source.is_dir():
                continue
            for destination in asset["destinations"].values():
                folders[destination["objectKey"]] = source
    return folders


def handler_packages(code_dirs: Sequence[Path]) -> dict[str, Path]:
    """Every package folder of the code folders, by name (the first code folder's wins)."""
    found: dict[str, Path] = {}
    for code_dir in code_dirs:
        for folder in sorted(code_dir.iterdir()):
            if folder.is_dir() and not _ignored(Path(folder.name)):
                found.setdefault(folder.name, folder)
    return found


def code_zip(asset_dir: Path, packages: Mapping[str, Path]) -> bytes:
    """The asset folder zipped, with each ``<package>/`` named in ``packages`` taken from there
    (the project's current files) instead."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(asset_dir.rglob("*")):
            relative = path.relative_to(asset_dir)
            if path.is_file() and relative.parts[0] not in packages:
                archive.write(path, relative.as_posix())
        for package, source in sorted(packages.items()):
            for path in sorted(source.rglob("*")):
                relative = path.relative_to(source)
                if path.is_file() and not _ignored(relative):
                    archive.write(path, (Path(package) / relative).as_posix())
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# the watcher


class Watcher:
    """Polls the project's files and reloads what changed; see the module documentation.

    ``poll`` does one round; ``start`` runs rounds in a thread. ``report`` gets a line per
    reload, ``on_stacks`` the outputs of the stacks a round deployed.
    """

    def __init__(
        self,
        deployer: Deployer,
        *,
        project: Path,
        code_dirs: Sequence[Path],
        stack_paths: Sequence[Path],
        context: Mapping[str, str] | None = None,
        report: Report = print,
        on_stacks: Callable[[dict[str, dict[str, str]]], None] | None = None,
        interval_s: float = 0.25,
    ) -> None:
        self.deployer = deployer
        self.project = project
        self.code_dirs = [path for path in code_dirs if path.is_dir()]
        self.stack_paths = [path for path in stack_paths if path.exists()]
        self.context = dict(context or {})
        self.report = report
        self.on_stacks = on_stacks
        self.interval_s = interval_s
        self._lambda = deployer.emulator.client("lambda")
        self._cloudformation = deployer.emulator.client("cloudformation")
        self._seen = snapshot(self._roots)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def _roots(self) -> list[Path]:
        return [*self.code_dirs, *self.stack_paths]

    @property
    def watched(self) -> list[str]:
        """The watched paths, relative to the project, for the console."""
        return [_relative(path, self.project) for path in self._roots]

    # -- one round ------------------------------------------------------------------------

    def poll(self) -> list[str]:
        """Reloads what changed since the last round; returns what was reloaded."""
        now = snapshot(self._roots)
        changed, self._seen = changed_files(self._seen, now), now
        if not changed:
            return []
        packages: set[str] = set()
        resynthesize = False
        for path in changed:
            code_dir = next((d for d in self.code_dirs if path.is_relative_to(d)), None)
            relative = path.relative_to(code_dir).parts if code_dir else ()
            if len(relative) > 1 and path.suffix == ".py":
                packages.add(relative[0])
            else:
                resynthesize = True
        done: list[str] = []
        # A synthesis packages the handlers' current code too: no hot swap is needed then.
        if resynthesize:
            done += self.reload_stacks()
        elif packages:
            done += self.reload_code(sorted(packages))
        for line in done:
            self.report(line)
        return done

    def reload_code(self, packages: Sequence[str]) -> list[str]:
        """Hot-swaps the code of every function that bundles one of these packages."""
        users = [
            function
            for function in function_code(self.deployer.cdk_out)
            if any(function.bundles(package) for package in packages)
        ]
        if not users:
            return []
        current = handler_packages(self.code_dirs)
        started = time.perf_counter()
        names = [self._swap(function, current) for function in users]
        elapsed_ms = (time.perf_counter() - started) * 1000
        edited = [f"{_relative(current[p], self.project)}/" for p in packages if p in current]
        return [f"reloaded {', '.join(edited)} into {', '.join(names)} ({elapsed_ms:.0f} ms)"]

    def _swap(self, function: FunctionCode, current: Mapping[str, Path]) -> str:
        name: str = self._cloudformation.describe_stack_resource(
            StackName=function.stack_name, LogicalResourceId=function.logical_id
        )["StackResourceDetail"]["PhysicalResourceId"]
        bundled = {package: path for package, path in current.items() if function.bundles(package)}
        self._lambda.update_function_code(
            FunctionName=name, ZipFile=code_zip(function.asset_dir, bundled)
        )
        return name

    def reload_stacks(self) -> list[str]:
        """Synthesizes the app again and updates the stacks whose templates changed."""
        started = time.perf_counter()
        try:
            synthesize(self.project, self.deployer.cdk_out, **self.context)
        except SynthError as error:
            return [f"synthesis failed, nothing reloaded:\n{error}"]
        synthesized_s = time.perf_counter() - started
        done: list[str] = []
        outputs: dict[str, dict[str, str]] = {}
        for stack in read_assembly(self.deployer.cdk_out):
            began = time.perf_counter()
            try:
                updated = self.deployer.update_stack(stack)
            except Exception as error:  # the cloud keeps what it had; say why
                done.append(f"{stack.stack_name} not updated: {error}")
                continue
            if updated is not None:
                outputs[stack.stack_name] = updated
                done.append(
                    f"updated stack {stack.stack_name} ({time.perf_counter() - began:.1f} s)"
                )
        if not done:
            done.append(f"re-synthesized in {synthesized_s:.1f} s: no stack changed")
        else:
            done.insert(0, f"re-synthesized in {synthesized_s:.1f} s")
        if outputs and self.on_stacks is not None:
            self.on_stacks(outputs)
        return done

    # -- in the background ----------------------------------------------------------------

    def start(self) -> Watcher:
        self._thread = threading.Thread(target=self._run, name="localcloud-watch", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.poll()
            except Exception as error:  # a broken round must not end watch mode
                self.report(f"reload failed: {error!r}")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None


def _relative(path: Path, project: Path) -> str:
    return path.relative_to(project).as_posix() if path.is_relative_to(project) else str(path)


__all__ = [
    "FunctionCode",
    "Watcher",
    "changed_files",
    "code_zip",
    "function_code",
    "handler_packages",
    "snapshot",
]
