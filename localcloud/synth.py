"""Synthesizes the app into a cloud assembly the way ``cdk synth`` runs it: the CDK app command
from cdk.json, with the context of cdk.json (and cdk.context.json) in ``CDK_CONTEXT_JSON`` and
the output folder in ``CDK_OUTDIR``. The CLI's own start-up (~6 s of Node) is skipped; the app
and what it writes are the same."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path


class SynthError(RuntimeError):
    pass


def app_command(project: Path) -> list[str]:
    """The CDK app command of cdk.json (run it with ``cwd=project``)."""
    return shlex.split(json.loads((project / "cdk.json").read_text())["app"])


def cli_context(settings: dict[str, object]) -> dict[str, object]:
    """What the CDK CLI adds to the app's context unless cdk.json's settings turn it off:
    without it the templates lack their path and asset metadata, and a REST API's deployment
    gets another logical id than under ``cdk deploy``."""
    return {
        "aws:cdk:enable-path-metadata": settings.get("pathMetadata", True),
        "aws:cdk:enable-asset-metadata": settings.get("assetMetadata", True),
        "aws:cdk:version-reporting": settings.get("versionReporting", True),
        "aws:cdk:bundling-stacks": ["**"],
    }


def synth_environment(project: Path, outdir: Path, **context: str) -> dict[str, str]:
    """The environment the CDK CLI gives the app: context and output folder."""
    settings = json.loads((project / "cdk.json").read_text())
    merged: dict[str, object] = {**cli_context(settings), **settings.get("context", {})}
    cached = project / "cdk.context.json"
    if cached.exists():
        merged.update(json.loads(cached.read_text()))
    merged.update(context)
    return {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(merged),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }


def synthesize(project: Path, outdir: Path, **context: str) -> None:
    done = subprocess.run(
        app_command(project),
        cwd=project,
        env=synth_environment(project, outdir, **context),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SynthError(f"synthesis failed:\n{done.stdout}\n{done.stderr}")
