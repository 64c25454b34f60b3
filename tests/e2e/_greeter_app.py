"""The tiny CDK app of the CDK CLI and watch mode tests (``greeter_app/``): copied into a test's
own folder, where the test may edit it, and synthesized as ``cdk synth`` runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from localcloud.synth import app_command, synth_environment

SOURCE = Path(__file__).with_name("greeter_app")
STACK = "LocalGreeter"


@dataclass(frozen=True)
class GreeterApp:
    root: Path

    @property
    def cdk_out(self) -> Path:
        return self.root / "cdk.out"

    @property
    def handler(self) -> Path:
        return self.root / "lambdas" / "greeter" / "handler.py"

    @property
    def stack(self) -> Path:
        return self.root / "stacks" / "greeter_stack.py"

    def replace(self, path: Path, old: str, new: str) -> None:
        """Edit a file of the app as a developer would (the text must be there)."""
        text = path.read_text()
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new))

    def copy(self, target: Path) -> GreeterApp:
        """A copy of this app, its synthesized assembly included."""
        shutil.copytree(self.root, target, ignore=shutil.ignore_patterns("__pycache__"))
        return GreeterApp(target)


def copy_app(target: Path) -> GreeterApp:
    """A fresh copy of the app whose ``cdk.json`` runs it with this test run's Python."""
    shutil.copytree(SOURCE, target, ignore=shutil.ignore_patterns("__pycache__", "cdk.out"))
    settings = json.loads((target / "cdk.json").read_text())
    settings["app"] = f"{sys.executable} app.py"
    (target / "cdk.json").write_text(json.dumps(settings, indent=2))
    return GreeterApp(target)


def synthesize_all(apps: Sequence[GreeterApp]) -> None:
    """Synthesize the apps at once into their ``cdk.out``, as ``cdk synth`` runs an app."""
    running = [
        subprocess.Popen(
            app_command(app.root),
            cwd=app.root,
            env=synth_environment(app.root, app.cdk_out),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for app in apps
    ]
    for process in running:
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, f"synthesis of the greeter app failed:\n{output}"
