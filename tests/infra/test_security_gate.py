"""The gate every synthesis passes: cdk-nag, cfn-lint, and no Docker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
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
    # AND a handler package that uses the shared package carries it beside itself
    for package in ("items", "notes", "registrations"):
        bundled = list(dev.outdir.glob(f"asset.*/{package}"))
        assert bundled
        for folder in bundled:
            assert (folder.parent / "shared" / "validation.py").is_file()


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_no_unacknowledged_cdk_nag_findings(assemblies: dict[str, Assembly], stage: str) -> None:
    # GIVEN the app synthesized as `cdk synth` runs it: CDK writes a validation report only when
    # validation plugins are registered, so its presence shows app.py registered the checks
    report_file = assemblies[stage].outdir / "validation-report.json"
    assert report_file.exists(), "app.py registered no validation plugin"
    report = json.loads(report_file.read_text())
    violations = [
        violation
        for plugin in report["pluginReports"]
        for violation in plugin.get("violations", [])
    ]
    assert violations == []


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_acknowledgements_are_per_resource_with_a_reason(
    assemblies: dict[str, Assembly], stage: str
) -> None:
    # GIVEN the acknowledgements recorded in the assembly's metadata
    outdir = assemblies[stage].outdir
    acknowledged = [
        (path, rule, reason)
        for stack in STACKS
        for path, entries in json.loads((outdir / f"{stack}.metadata.json").read_text()).items()
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


def test_both_cdk_nag_packs_fail_synthesis_on_their_findings(tmp_path: Path) -> None:
    # GIVEN an app with the project's checks, a bucket with no logs and no TLS policy (AWS
    # Solutions rules) and a function with no tracing, DLQ, memory or timeout (Serverless rules)
    app = App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    insecure = Stack(app, "Insecure")
    s3.Bucket(insecure, "Bucket")
    lambda_.Function(
        insecure,
        "Function",
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): return event"),
    )
    add_security_checks(app)
    # WHEN it synthesizes THEN validation fails ...
    with pytest.raises(Exception, match="ValidationFailed"):
        app.synth()
    # ... and each pack reports its own rules
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {
        plugin["pluginName"]: {violation["ruleName"] for violation in plugin["violations"]}
        for plugin in report["pluginReports"]
    }
    assert set(rules) == {"AwsSolutions", "Serverless"}
    assert {"AwsSolutions-S1", "AwsSolutions-S10"} <= rules["AwsSolutions"]
    assert {"Serverless-LambdaTracing", "Serverless-LambdaDLQ"} <= rules["Serverless"]


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


CHECKOV = REPO / ".cache" / "tools" / "checkov" / "bin" / "checkov"


def test_checkov_finds_nothing_that_is_not_acknowledged(
    assemblies: dict[str, Assembly],
) -> None:
    # GIVEN every template of both stages and an outside scanner (checkov, which knows nothing
    # of cdk-nag; `make test` installs it beside the project: its pins clash with ours)
    if not CHECKOV.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHECKOV} is missing: `make test` installs it")
        pytest.skip("checkov is not installed (make test installs it)")
    templates = sorted(
        str(path) for a in assemblies.values() for path in a.outdir.glob("*.template.json")
    )
    # WHEN it scans them
    done = subprocess.run(
        [str(CHECKOV), "--framework", "cloudformation", "--skip-download",
         "--output", "json", *(arg for t in templates for arg in ("--file", t))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    reports = json.loads(done.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for report in reports
        for check in report.get("results", {}).get("failed_checks", [])
    ]
    # THEN every finding is either fixed or acknowledged on its resource with a reason
    assert failed == []
    skipped = [
        check for report in reports for check in report.get("results", {}).get("skipped_checks", [])
    ]
    assert skipped, "expected the documented acknowledgements to be seen"
    for check in skipped:
        reason = check["check_result"].get("suppress_comment", "")
        assert len(reason) >= 40, f"{check['check_id']} on {check['resource']}: {reason!r}"
