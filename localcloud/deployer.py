"""Deploy a synthesized cloud assembly (cdk.out) into an in-process moto server.

What ``cdk deploy`` does against a bootstrapped account, done against the emulator:
bootstrap outputs (version parameter, assets bucket), file assets published as the
``*.assets.json`` manifests describe, then one CloudFormation ``CreateStack`` per stack in
dependency order; later versions of a stack go in through a change set (``update_stack``, what
watch mode calls). Nothing here knows the project's stacks: it reads what was synthesized.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .emulator import ACCOUNT_ID, DEFAULT_PORT, Emulator

BOOTSTRAP_QUALIFIER = "hnb659fds"
# Version written by the current `cdk bootstrap`; templates require >= 6.
BOOTSTRAP_VERSION = "30"
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
CHANGE_SET_NAME = "localcloud-deploy"

# ---------------------------------------------------------------------------------------
# cloud assembly


@dataclass
class StackArtifact:
    artifact_id: str
    stack_name: str
    template_file: Path
    asset_manifests: list[Path]
    dependencies: list[str] = field(default_factory=list)

    @property
    def template(self) -> dict[str, Any]:
        template: dict[str, Any] = json.loads(self.template_file.read_text())
        return template


def read_assembly(cdk_out: Path) -> list[StackArtifact]:
    """Stacks from manifest.json, dependencies first."""
    artifacts = json.loads((cdk_out / "manifest.json").read_text())["artifacts"]
    stacks: dict[str, StackArtifact] = {}
    for artifact_id, artifact in artifacts.items():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        props = artifact["properties"]
        deps = artifact.get("dependencies", [])
        stacks[artifact_id] = StackArtifact(
            artifact_id=artifact_id,
            stack_name=props.get("stackName", artifact_id),
            template_file=cdk_out / props["templateFile"],
            asset_manifests=[
                cdk_out / artifacts[d]["properties"]["file"]
                for d in deps
                if artifacts.get(d, {}).get("type") == "cdk:asset-manifest"
            ],
            dependencies=[
                d for d in deps if artifacts.get(d, {}).get("type") == "aws:cloudformation:stack"
            ],
        )
    ordered: list[StackArtifact] = []

    def visit(artifact_id: str, seen: tuple[str, ...] = ()) -> None:
        if artifact_id in seen:
            raise ValueError(f"dependency cycle: {' -> '.join((*seen, artifact_id))}")
        stack = stacks[artifact_id]
        if stack in ordered:
            return
        for dep in stack.dependencies:
            visit(dep, (*seen, artifact_id))
        ordered.append(stack)

    for artifact_id in stacks:
        visit(artifact_id)
    return ordered


# ---------------------------------------------------------------------------------------
# deployment


class DeploymentFailed(RuntimeError):
    """A stack's create or update did not complete; the message says which resource failed
    and why."""


def assets_bucket(region: str, account: str = ACCOUNT_ID) -> str:
    return f"cdk-{BOOTSTRAP_QUALIFIER}-assets-{account}-{region}"


def _resolve_placeholders(text: str, region: str, account: str = ACCOUNT_ID) -> str:
    return (
        text.replace("${AWS::AccountId}", account)
        .replace("${AWS::Region}", region)
        .replace("${AWS::Partition}", "aws")
    )


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


class Deployer:
    def __init__(self, emulator: Emulator, cdk_out: Path):
        self.emulator = emulator
        self.cdk_out = cdk_out
        self.region = emulator.region
        self._published: set[str] = set()

    def bootstrap(self) -> None:
        """The two things our templates use from `cdk bootstrap`'s stack."""
        self.emulator.client("ssm").put_parameter(
            Name=f"/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version",
            Value=BOOTSTRAP_VERSION,
            Type="String",
            Overwrite=True,
        )
        s3 = self.emulator.client("s3")
        bucket = assets_bucket(self.region)
        if bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
            s3.create_bucket(Bucket=bucket)

    def publish_assets(self, manifest_file: Path) -> int:
        """Upload the file assets of one ``*.assets.json``; returns how many were uploaded."""
        manifest = json.loads(manifest_file.read_text())
        s3 = self.emulator.client("s3")
        uploaded = 0
        for asset_hash, asset in manifest.get("files", {}).items():
            if asset_hash in self._published:
                continue
            source = self.cdk_out / asset["source"]["path"]
            packaging = asset["source"].get("packaging", "file")
            if packaging == "zip" and source.is_dir():
                body = _zip_folder(source)
            else:
                body = source.read_bytes()
            for destination in asset["destinations"].values():
                s3.put_object(
                    Bucket=_resolve_placeholders(destination["bucketName"], self.region),
                    Key=_resolve_placeholders(destination["objectKey"], self.region),
                    Body=body,
                )
            self._published.add(asset_hash)
            uploaded += 1
        if manifest.get("dockerImages"):
            raise NotImplementedError("docker image assets are not supported locally")
        return uploaded

    def check_rules(self, template: dict[str, Any]) -> None:
        """Evaluate the template's Rules (moto ignores them), e.g. CheckBootstrapVersion."""
        params = {}
        for name, spec in template.get("Parameters", {}).items():
            value = spec.get("Default")
            if spec.get("Type", "").startswith("AWS::SSM::Parameter::Value") and value:
                value = self.emulator.client("ssm").get_parameter(Name=value)["Parameter"]["Value"]
            params[name] = value
        for rule_name, rule in template.get("Rules", {}).items():
            if "RuleCondition" in rule and not _evaluate_rule(rule["RuleCondition"], params):
                continue
            for assertion in rule.get("Assertions", []):
                if not _evaluate_rule(assertion["Assert"], params):
                    raise RuntimeError(
                        f"rule {rule_name} failed: {assertion.get('AssertDescription', '')}"
                    )

    def deploy_stack(self, stack: StackArtifact, timeout_s: float = 60) -> dict[str, str]:
        template = self._prepare(stack)
        cloudformation = self.emulator.client("cloudformation")
        cloudformation.create_stack(
            StackName=stack.stack_name,
            TemplateBody=json.dumps(template),
            Capabilities=CAPABILITIES,
        )
        return self._settled(stack.stack_name, "CREATE_COMPLETE", timeout_s)

    def update_stack(self, stack: StackArtifact, timeout_s: float = 60) -> dict[str, str] | None:
        """Bring a deployed stack to its synthesized template through a change set, as
        ``cdk deploy`` does (created if it is not deployed yet); returns the outputs, or None
        when the template and parameters are what the stack already has."""
        cloudformation = self.emulator.client("cloudformation")
        deployed = [
            s
            for s in cloudformation.describe_stacks()["Stacks"]
            if s["StackName"] == stack.stack_name and s["StackStatus"] != "REVIEW_IN_PROGRESS"
        ]
        if not deployed:
            return self.deploy_stack(stack, timeout_s)
        template = self._prepare(stack)
        previous = {p["ParameterKey"] for p in deployed[0].get("Parameters", [])}
        change_set = cloudformation.create_change_set(
            StackName=stack.stack_name,
            ChangeSetName=CHANGE_SET_NAME,
            ChangeSetType="UPDATE",
            TemplateBody=json.dumps(template),
            # As the CDK CLI does: what the stack had stays (an SSM parameter keeps its name).
            Parameters=[
                {"ParameterKey": key, "UsePreviousValue": True}
                for key in template.get("Parameters", {})
                if key in previous
            ],
            Capabilities=CAPABILITIES,
        )["Id"]
        description = cloudformation.describe_change_set(ChangeSetName=change_set)
        if description["Status"] == "FAILED":
            cloudformation.delete_change_set(ChangeSetName=change_set)
            if "didn't contain changes" in description.get("StatusReason", ""):
                return None
            raise DeploymentFailed(f"{stack.stack_name}: {description.get('StatusReason', '')}")
        cloudformation.execute_change_set(ChangeSetName=change_set)
        return self._settled(stack.stack_name, "UPDATE_COMPLETE", timeout_s)

    def _prepare(self, stack: StackArtifact) -> dict[str, Any]:
        """Publish the stack's assets and check its rules; its template."""
        for manifest in stack.asset_manifests:
            self.publish_assets(manifest)
        template = stack.template
        self.check_rules(template)
        return template

    def _settled(self, stack_name: str, success: str, timeout_s: float) -> dict[str, str]:
        """Wait for the stack to leave its ``*_IN_PROGRESS`` states; its outputs on success."""
        cloudformation = self.emulator.client("cloudformation")
        deadline = time.monotonic() + timeout_s
        while True:
            description = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
            status = description["StackStatus"]
            if not status.endswith("_IN_PROGRESS") and status != "CREATE_PENDING":
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{stack_name} still {status} after {timeout_s}s")
            time.sleep(0.1)
        if status != success:
            # The stack's reason names the failed resource, in the same words for a failed
            # create and a rolled-back update (cloudformation/moto_gaps.py).
            reason = description.get("StackStatusReason") or ""
            raise DeploymentFailed(f"{stack_name}: {status}: {reason}")
        return {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])}

    def deploy_all(self) -> dict[str, dict[str, str]]:
        self.bootstrap()
        return {stack.stack_name: self.deploy_stack(stack) for stack in read_assembly(self.cdk_out)}


_RULE_FUNCTIONS: dict[str, Any] = {
    "Fn::Not": lambda args: not args[0],
    "Fn::And": all,
    "Fn::Or": any,
    "Fn::Equals": lambda args: str(args[0]) == str(args[1]),
    "Fn::Contains": lambda args: args[1] in args[0],
    "Fn::EachMemberEquals": lambda args: all(v == args[1] for v in args[0]),
    "Fn::EachMemberIn": lambda args: all(v in args[1] for v in args[0]),
}


def _evaluate_rule(node: Any, params: dict[str, Any]) -> Any:
    """The intrinsic functions allowed in Rules, over parameter values."""
    if isinstance(node, list):
        return [_evaluate_rule(item, params) for item in node]
    if not isinstance(node, dict):
        return node
    ((fn, arg),) = node.items()
    if fn == "Ref":
        return params[arg]
    if fn not in _RULE_FUNCTIONS:
        raise ValueError(f"unsupported rule function: {fn}")
    return _RULE_FUNCTIONS[fn](_evaluate_rule(arg, params))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cdk_out", type=Path, nargs="?", default=Path("cdk.out"))
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--serve", action="store_true", help="keep serving until Ctrl-C")
    args = parser.parse_args(argv)
    with Emulator(port=args.port) as emulator:
        started = time.perf_counter()
        outputs = Deployer(emulator, args.cdk_out).deploy_all()
        outputs["LocalCloud"] = {"AwsEndpointUrl": emulator.endpoint}
        json.dump(outputs, sys.stdout, indent=2)
        print(f"\ndeployed in {time.perf_counter() - started:.2f}s", file=sys.stderr)
        if args.serve:
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
