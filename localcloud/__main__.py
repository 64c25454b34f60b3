"""``make local``: synthesize, deploy every stack into the local cloud, print the endpoints, write
``local-outputs.json``, and serve until Ctrl-C, reloading what changes in the project (watch
mode, ``watch.py``: handlers hot-swapped, stacks updated in place).

``python -m localcloud cdk <arguments>`` runs the CDK CLI against the running local cloud
(``cdk_cli.py``)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from . import cdk_cli
from .cloud import DEFAULT_HTTP_PORT, LocalCloud
from .cognito import outbox
from .deployer import DeploymentFailed
from .emulator import DEFAULT_HOST, DEFAULT_PORT, PortInUseError, ensure_port_free
from .synth import synthesize
from .watch import Watcher

PROJECT = Path.cwd()
# What watch mode watches: the project's folders, as configuration (the local cloud imports
# none of them). Handler packages are hot-swapped; anything else re-synthesizes.
CODE_DIRS = ("lambdas",)
STACK_PATHS = ("stacks", "app.py", "cdk.json", "web")


def _say(message: str) -> None:
    print(f"  ... {message}", flush=True)


def api_key_values(cloud: LocalCloud) -> dict[str, str]:
    """The value of every deployed API key, by id: what a user pastes into curl or the UI."""
    apigateway = cloud.emulator.client("apigateway")
    return {
        key["id"]: key["value"]
        for key in apigateway.get_api_keys(includeValues=True).get("items", [])
    }


def endpoint_table(cloud: LocalCloud, outputs: dict[str, dict[str, str]]) -> str:
    keys = api_key_values(cloud)
    lines = []
    for stack, values in outputs.items():
        if stack == "LocalCloud":
            continue
        lines.append(f"  {stack}")
        for name, value in values.items():
            note = f"   (key value: {keys[value]})" if name == "ApiKeyId" and value in keys else ""
            lines.append(f"    {name:<22} {value}{note}")
    endpoint = outputs["LocalCloud"]["AwsEndpointUrl"]
    lines += [
        "  AWS clients (aws CLI, boto3, cdk)",
        f"    AWS_ENDPOINT_URL={endpoint} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local"
        f" AWS_DEFAULT_REGION={outputs['LocalCloud']['Region']}",
    ]
    return "\n".join(lines)


def print_code(message: outbox.CodeMessage) -> None:
    """What a user pool would have e-mailed: no e-mail is sent locally."""
    print(
        f"  Cognito ({message.pool_id}): {message.purpose} code for {message.username} is "
        f"{message.code}",
        flush=True,
    )


def write_outputs(path: Path, outputs: dict[str, Any]) -> None:
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(outputs, indent=2) + "\n")
    os.replace(partial, path)


def _watcher(cloud: LocalCloud, args: argparse.Namespace, context: dict[str, str]) -> Watcher:
    def deployed(outputs: dict[str, dict[str, str]]) -> None:
        cloud.outputs.update(outputs)
        write_outputs(args.outputs_file, cloud.local_outputs())

    return Watcher(
        cloud.deployer,
        project=PROJECT,
        code_dirs=[PROJECT / name for name in CODE_DIRS],
        stack_paths=[PROJECT / name for name in STACK_PATHS],
        context=context,
        report=lambda line: print(f"  ~~ {line}", flush=True),
        on_stacks=deployed,
    )


def _interrupt(signum: int, frame: Any) -> None:
    # SIGTERM stops the local cloud as Ctrl-C does, whatever it is doing (even waiting).
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["cdk"]:
        return cdk_cli.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m localcloud", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="AWS emulator port")
    parser.add_argument("--http-port", type=int, default=DEFAULT_HTTP_PORT, help="APIs and sites")
    parser.add_argument("--cdk-out", type=Path, default=PROJECT / "cdk.out")
    parser.add_argument("--outputs-file", type=Path, default=PROJECT / "local-outputs.json")
    parser.add_argument("--no-synth", action="store_true", help="deploy cdk.out as it is")
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--watch",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="reload handlers and stacks as they change (default: on, off with --no-synth)",
    )
    args = parser.parse_args(argv)
    context = dict(item.split("=", 1) for item in args.context)
    watch = (not args.no_synth) if args.watch is None else args.watch

    started = time.perf_counter()
    signal.signal(signal.SIGTERM, _interrupt)
    # A process started in the background by a non-interactive shell inherits SIGINT ignored
    # (so does everything it starts: CI runners, `nohup make test &`), and Python then installs
    # no Ctrl-C handler: the local cloud would never stop on SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print("Starting the local cloud (no AWS account, no Docker)", flush=True)
    cloud: LocalCloud | None = None
    watcher: Watcher | None = None
    code = 0
    try:
        # Before synthesis, which takes a while: a taken port fails the start at once.
        ensure_port_free(DEFAULT_HOST, args.port, "the AWS emulator")
        ensure_port_free(DEFAULT_HOST, args.http_port, "APIs and sites")
        if not args.no_synth:
            _say("synthesizing the CDK app into cdk.out")
            synthesize(PROJECT, args.cdk_out, **context)
        cloud = LocalCloud(args.cdk_out, port=args.port, http_port=args.http_port, progress=_say)
        outbox.subscribe(print_code)
        cloud.start()
        outputs = cloud.local_outputs()
        print(f"\nReady in {time.perf_counter() - started:.1f} s.\n")
        print(endpoint_table(cloud, outputs), flush=True)
        # Last, so that a script waiting for the file finds everything up and printed.
        write_outputs(args.outputs_file, outputs)
        print(f"\nOutputs written to {args.outputs_file.name}.", flush=True)
        if watch:
            watcher = _watcher(cloud, args, context).start()
            print(f"Watching {', '.join(watcher.watched)} for changes.", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        threading.Event().wait()
    except PortInUseError as error:
        print(
            f"\nCannot start the local cloud: {error}.\nStop that program (another `make local`?)"
            ' or choose other ports: make local LOCAL_ARGS="--port N --http-port M"',
            file=sys.stderr,
            flush=True,
        )
        return 2
    except KeyboardInterrupt:
        pass
    except DeploymentFailed as failure:
        # Which resource failed and why is the whole message; a traceback would bury it.
        print(f"\nDeployment failed: {failure}", file=sys.stderr, flush=True)
        code = 1
    finally:
        if watcher is not None:
            watcher.stop()
        if cloud is not None:
            print("\nStopping the local cloud.", flush=True)
            cloud.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
