"""The gate every synthesis passes: cdk-nag, cfn-lint, and no Docker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3

from stacks import add_security_checks

from .conftest import STACKS, Assembly

REPO = Path(__file__).resolve().parents[2]


def test_synthesis_never_called_docker(assemblies: dict[str, Assembly]) -> None:
    # GIVEN a docker on PATH that fails and records calls WHEN both stages synthesized
    # THEN they succeeded (the fixture asserts it) and docker was never called
    docker_calls = next(iter(assemblies.values())).docker_calls
    assert not docker_calls.exists(), docker_calls.read_text()


def test_assets_are_bundled_as_lambda_expects(dev: Assembly) -> None:
    assets = {
        entry["source"]["path"] for stack in STACKS for entry in dev.assets(stack)["files"].values()
    }
    folders = [dev.outdir / path for path in assets if (dev.outdir / path).is_dir()]
    layer = [f for f in folders if (f / "python" / "aws_lambda_powertools").is_dir()]
    handlers = {
        child.name for f in folders for child in f.iterdir() if (child / "handler.py").exists()
    }
    assert layer, "no Powertools layer asset"
    assert (layer[0] / "python" / "fastjsonschema").is_dir()
    assert {"hello_world", "items"} <= handlers
    # handler packages ship code and schemas, not caches or tests
    assert not list(dev.outdir.glob("asset.*/items/__pycache__"))
    assert list(dev.outdir.glob("asset.*/items/schemas/item_create.json"))


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_no_unacknowledged_cdk_nag_findings(assemblies: dict[str, Assembly], stage: str) -> None:
    report = json.loads((assemblies[stage].outdir / "validation-report.json").read_text())
    violations = [
        violation
        for plugin in report["pluginReports"]
        for violation in plugin.get("violations", [])
    ]
    assert violations == []


def test_acknowledgements_are_per_resource_with_a_reason(dev: Assembly) -> None:
    # GIVEN the acknowledgements recorded in the assembly's metadata
    acknowledged = [
        (path, rule, reason)
        for stack in STACKS
        for path, entries in json.loads((dev.outdir / f"{stack}.metadata.json").read_text()).items()
        for entry in entries
        if entry["type"] == "aws:cdk:acknowledged-rules"
        for rule, reason in entry["data"].items()
    ]
    assert acknowledged
    for path, rule, reason in acknowledged:
        # THEN none is stack-wide: each sits on a construct inside a stack ...
        assert path.count("/") >= 2, f"{rule} is acknowledged for a whole stack ({path})"
        # ... and explains itself
        assert len(reason) >= 40, f"{rule} on {path} has no real reason: {reason!r}"


def test_cdk_nag_fails_synthesis_on_a_finding(tmp_path: Path) -> None:
    # GIVEN an app with the project's checks and a bucket with no logs and no TLS policy
    app = App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    s3.Bucket(Stack(app, "Insecure"), "Bucket")
    add_security_checks(app)
    # WHEN it synthesizes THEN validation fails, naming the rules
    with pytest.raises(Exception, match="ValidationFailed"):
        app.synth()
    report = (tmp_path / "validation-report.json").read_text()
    assert "AwsSolutions-S1" in report
    assert "AwsSolutions-S10" in report


def test_cfn_lint_finds_no_errors_or_warnings(assemblies: dict[str, Assembly]) -> None:
    # GIVEN every synthesized template WHEN cfn-lint checks them with the project's settings
    # (.cfnlintrc.yaml: its ignore list documents each ignored rule)
    templates = [
        str(assembly.outdir / f"{stack}.template.json")
        for assembly in assemblies.values()
        for stack in STACKS
    ]
    done = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", *templates],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN it reports nothing: no errors, no warnings, no informational findings
    assert done.stdout == "", done.stdout
    assert done.returncode == 0, done.stderr
