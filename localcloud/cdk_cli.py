"""``python -m localcloud cdk <cdk arguments>``: the CDK CLI against the running local cloud, as
LocalStack's ``cdklocal`` is against LocalStack.

It runs the project's CDK CLI (``node_modules/.bin/cdk``, else ``cdk`` on PATH) with the
environment that points it at the local cloud: ``AWS_ENDPOINT_URL`` from the
``LocalCloud.AwsEndpointUrl`` of ``local-outputs.json`` (what ``make local`` writes) or
``--endpoint``, fake credentials, the local cloud's region, and empty AWS config files, so no
profile or SSO setting of the user's reaches it. The endpoint's host is ``localhost``: the CLI
reaches S3 as ``<bucket>.localhost``, which 127.0.0.1 cannot do (DESIGN.md section 5).

It refuses to run while the environment holds real AWS credentials (a profile, a session
token, an access key that is not the local cloud's "local"...): the one who typed the command
may believe they are deploying to AWS, or to the local cloud, and one of them is wrong.
``--allow-real-credentials`` runs anyway; the CLI still gets only the local credentials.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path

from .emulator import DEFAULT_REGION, FAKE_CREDENTIALS

USAGE = """usage: python -m localcloud cdk [--endpoint URL] [--outputs-file FILE]
                               [--allow-real-credentials] <cdk command and options>

Runs the CDK CLI against the running local cloud (make local), e.g.
  python -m localcloud cdk deploy --all --require-approval never
  python -m localcloud cdk diff
  python -m localcloud cdk destroy --all --force
"""

# Variables that make an AWS SDK reach a real account, whatever the endpoint.
_CREDENTIAL_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CREDENTIAL_EXPIRATION",
)
_LOCAL_KEYS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


class UsageError(Exception):
    pass


def real_credentials(environ: Mapping[str, str]) -> list[str]:
    """The variables of ``environ`` that hold or name real AWS credentials."""
    found = [name for name in _CREDENTIAL_VARIABLES if environ.get(name)]
    found += [
        name for name, local in _LOCAL_KEYS.items() if environ.get(name) not in (None, "", local)
    ]
    return found


def local_endpoint(url: str) -> str:
    """``url`` with ``localhost`` for a loopback host: the CLI needs that name for S3."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"not an endpoint URL: {url}")
    if parts.hostname in ("127.0.0.1", "::1", "0.0.0.0"):
        netloc = f"localhost:{parts.port}" if parts.port else "localhost"
        parts = parts._replace(netloc=netloc)
    return urllib.parse.urlunsplit(parts)


def endpoint_from_outputs(outputs_file: Path) -> tuple[str, str]:
    """The endpoint and region ``make local`` wrote into its outputs file."""
    try:
        cloud = json.loads(outputs_file.read_text())["LocalCloud"]
    except FileNotFoundError as error:
        raise UsageError(
            f"{outputs_file} not found: start the local cloud first (make local), "
            "or pass --endpoint http://localhost:PORT"
        ) from error
    except (ValueError, KeyError) as error:
        raise UsageError(f"{outputs_file} has no LocalCloud.AwsEndpointUrl") from error
    return cloud["AwsEndpointUrl"], cloud.get("Region", DEFAULT_REGION)


def cdk_environment(environ: Mapping[str, str], endpoint: str, region: str) -> dict[str, str]:
    """``environ`` without anything that could reach a real account, pointed at ``endpoint``."""
    env = {
        name: value
        for name, value in environ.items()
        if name not in _CREDENTIAL_VARIABLES and not name.startswith("AWS_ENDPOINT_URL")
    }
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["aws_secret_access_key"],
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            # The user's ~/.aws files (profiles, SSO, endpoints) must not reach the CLI.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        }
    )
    return env


def cdk_command(cwd: Path) -> str:
    local = cwd / "node_modules" / ".bin" / "cdk"
    found = str(local) if local.exists() else shutil.which("cdk")
    if found is None:
        raise UsageError("no CDK CLI: run `npm ci` (or `npm install aws-cdk`) in the project")
    return found


def _split(argv: Sequence[str]) -> tuple[dict[str, str | bool], list[str]]:
    """Our options come first; the first argument that is not one of them starts the CLI's."""
    options: dict[str, str | bool] = {}
    rest = list(argv)
    while rest and rest[0].startswith("--"):
        name, _, value = rest[0].partition("=")
        if name == "--allow-real-credentials":
            options["allow"] = True
        elif name in ("--endpoint", "--outputs-file"):
            if not value:
                if len(rest) < 2:
                    raise UsageError(f"{name} needs a value")
                value = rest.pop(1)
            options[name.removeprefix("--")] = value
        else:
            break
        rest.pop(0)
    if not rest:
        raise UsageError(USAGE)
    return options, rest


def main(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    cwd = Path.cwd()
    if list(argv) in ([], ["--help"], ["-h"]):
        print(USAGE, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    try:
        options, cdk_args = _split(argv)
        found = real_credentials(environ)
        if found and not options.get("allow"):
            print(
                f"Refusing to run the CDK CLI against the local cloud: {', '.join(found)} "
                "in the environment can reach a real AWS account. Unset them, or pass "
                "--allow-real-credentials (the CLI then still gets only local credentials).",
                file=sys.stderr,
            )
            return 2
        if "endpoint" in options:
            endpoint, region = str(options["endpoint"]), DEFAULT_REGION
        else:
            outputs = Path(str(options.get("outputs-file", cwd / "local-outputs.json")))
            endpoint, region = endpoint_from_outputs(outputs)
        env = cdk_environment(environ, local_endpoint(endpoint), region)
        command = [cdk_command(cwd), *cdk_args]
    except UsageError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"cdk against the local cloud at {env['AWS_ENDPOINT_URL']}", file=sys.stderr, flush=True)
    return subprocess.call(command, env=env)
