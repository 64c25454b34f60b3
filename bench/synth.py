"""How much does synthesizing this app cost over synthesizing an empty CDK app?

All run the way ``cdk synth`` runs them (a fresh ``python`` process, context from cdk.json,
cdk-nag registered, CDK's built-in CloudFormation validation off as in app.py), interleaved,
``ROUNDS`` times: the empty app, this app's dev stage and its prod stage (which adds the keys,
web ACLs and the CdnFirewall stack). Prints the medians; the last line is the headline:
``synth_s=... prod_s=... empty_s=... ratio=...`` (``ratio`` is dev over empty).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._measure import interleaved_medians, time_command

REPO = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("ROUNDS", "3"))
EMPTY_APP = (
    "from aws_cdk import App\n"
    "from stacks import add_security_checks\n"
    "app = App(builtin_cloud_formation_validation=False)\n"
    "add_security_checks(app)\n"
    "app.synth()\n"
)


def environment(scratch: str, stage: str) -> dict[str, str]:
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    return {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "CDK_CONTEXT_JSON": json.dumps({**context, "stage": stage}),
        "CDK_OUTDIR": scratch,
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "PYTHONPATH": str(REPO),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as dev, tempfile.TemporaryDirectory() as prod:
        dev_env, prod_env = environment(dev, "dev"), environment(prod, "prod")
        python = sys.executable
        app = [python, str(REPO / "app.py")]
        # one untimed run each fills the bundling cache and compiles bytecode
        time_command(app, dev_env)
        time_command(app, prod_env)
        medians = interleaved_medians(
            {
                "empty": lambda: time_command([python, "-c", EMPTY_APP], dev_env),
                "dev": lambda: time_command(app, dev_env),
                "prod": lambda: time_command(app, prod_env),
            },
            ROUNDS,
        )
    ratio = medians["dev"] / medians["empty"]
    print(f"rounds={ROUNDS} (medians; all with cdk-nag, as app.py runs)")
    print(f"empty CDK app: {medians['empty']:.2f} s")
    print(f"this app, dev stage: {medians['dev']:.2f} s")
    print(f"this app, prod stage: {medians['prod']:.2f} s")
    print(
        f"synth_s={medians['dev']:.2f} prod_s={medians['prod']:.2f} "
        f"empty_s={medians['empty']:.2f} ratio={ratio:.2f}"
    )


if __name__ == "__main__":
    main()
