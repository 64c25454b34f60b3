"""`make local`'s command, run as a user runs it: outputs file, endpoint table, Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import Assembly

from ._http import request
from .conftest import free_port

REPO = Path(__file__).resolve().parents[2]


def test_local_command_deploys_serves_writes_outputs_and_stops_on_ctrl_c(
    dev: Assembly, tmp_path: Path
) -> None:
    # GIVEN a synthesized assembly WHEN `python -m localcloud` starts on it
    outputs_file = tmp_path / "local-outputs.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "localcloud", "--no-synth", "--cdk-out", str(dev.outdir),
         "--port", str(free_port()), "--http-port", str(free_port()),
         "--outputs-file", str(outputs_file)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not outputs_file.exists():
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "no local-outputs.json after 60 s"
            time.sleep(0.1)
        # THEN the outputs file has every stack's outputs, local URLs and the emulator endpoint
        outputs = json.loads(outputs_file.read_text())
        assert set(outputs) == {"HelloWorld-dev", "RestMicroservice-dev", "LocalCloud"}
        assert outputs["LocalCloud"]["AwsEndpointUrl"].startswith("http://localhost:")
        api = outputs["RestMicroservice-dev"]["ApiUrl"]
        assert api.startswith("http://localhost:")
        # AND the API it names is being served
        assert request("GET", f"{api}items").status == 403
    finally:
        process.send_signal(signal.SIGINT)
        printed, _ = process.communicate(timeout=30)
    # AND Ctrl-C stops it cleanly, leaving the outputs file for the user
    assert process.returncode == 0, printed
    assert "Ready in" in printed
    assert "ApiUrl" in printed
    assert "key value:" in printed
    assert outputs_file.exists()
