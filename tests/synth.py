"""Synthesizes the CDK app the way the CDK CLI does: ``python app.py`` with context and outdir
in the environment. Used by the infrastructure tests, the local runtime's tests and benchmarks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def cdk_json_context(**overrides: str) -> dict[str, object]:
    context: dict[str, object] = json.loads((REPO / "cdk.json").read_text())["context"]
    context.update(overrides)
    return context


def synth_command(
    outdir: Path, *, path_prefix: Path | None = None, **context: str
) -> subprocess.Popen[str]:
    """Start ``python app.py`` writing the cloud assembly to ``outdir``; the caller waits."""
    env = dict(os.environ)
    env.update(
        CDK_OUTDIR=str(outdir),
        CDK_CONTEXT_JSON=json.dumps(cdk_json_context(**context)),
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
    )
    if path_prefix is not None:
        env["PATH"] = f"{path_prefix}{os.pathsep}{env['PATH']}"
    return subprocess.Popen(
        [sys.executable, str(REPO / "app.py")],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
