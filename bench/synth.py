"""How much does synthesizing this app cost over synthesizing an empty CDK app?

Both run the way ``cdk synth`` runs them (a fresh ``python`` process, context from cdk.json,
cdk-nag registered, CDK's built-in CloudFormation validation off as in app.py), interleaved,
``ROUNDS`` times.
Prints the medians; the last line is the headline: ``synth_s=... empty_s=... ratio=...``.
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


def main() -> None:
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "CDK_CONTEXT_JSON": json.dumps(context),
            "CDK_OUTDIR": scratch,
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            "PYTHONPATH": str(REPO),
        }
        python = sys.executable
        # one untimed run fills the bundling cache and compiles bytecode
        time_command([python, str(REPO / "app.py")], env)
        medians = interleaved_medians(
            {
                "empty": lambda: time_command([python, "-c", EMPTY_APP], env),
                "app": lambda: time_command([python, str(REPO / "app.py")], env),
            },
            ROUNDS,
        )
    ratio = medians["app"] / medians["empty"]
    print(f"rounds={ROUNDS} (medians; both with cdk-nag, as app.py runs)")
    print(f"empty CDK app: {medians['empty']:.2f} s")
    print(f"this app (2 stacks): {medians['app']:.2f} s")
    print(f"synth_s={medians['app']:.2f} empty_s={medians['empty']:.2f} ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
