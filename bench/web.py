"""The notes page on the local cloud, in headless Chromium (Debian's, as tests/browser): what
its first load costs and how soon it can be used.

- ``first_load_kb``: bytes of every response body a fresh browser (empty cache) fetches until
  the page is usable (HTML, CSS, JavaScript modules, config.json), uncompressed, in KiB.
- ``tti_ms``: from navigation start to the page showing its sign-in form, ready for input (the
  ``notes:interactive`` User Timing mark), median of ``ROUNDS`` fresh loads.
- ``sign_in_ms``: from pressing "Sign in" to the notes listed: SRP in the page (BigInt, Web
  Crypto), the two Cognito calls, the first API call, median of ``ROUNDS``.

Targets: first load <= 100 KB, time to interactive <= 300 ms locally. Last line:
``first_load_kb=... requests=... tti_ms=... sign_in_ms=...``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page, Response, sync_playwright

from bench._measure import silent_cloud
from localcloud.cognito import outbox
from localcloud.synth import synthesize
from tests.browser.conftest import CHROMIUM_ARGS

REPO = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("ROUNDS", "5"))
PASSWORD = "Correct-Horse-42!"


def mark(page: Page, name: str) -> float:
    """When the page made User Timing mark ``name`` (ms since navigation start). Polled from
    here: Playwright's in-page waiting evaluates strings, which the page's CSP forbids."""
    for _ in range(600):
        found = page.evaluate(f"performance.getEntriesByName({name!r}).map(e => e.startTime)")
        if found:
            return float(found[0])
        page.wait_for_timeout(25)
    raise TimeoutError(f"the page never marked {name}")


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("bench/web.py needs Debian's chromium (make chromium, as root)")
    with tempfile.TemporaryDirectory(prefix="cdk.out.bench.") as scratch:
        synthesize(REPO, Path(scratch))
        with silent_cloud(Path(scratch)) as cloud, sync_playwright() as driver:
            web = cloud.local_outputs()["WebApp-dev"]
            cognito = cloud.emulator.client("cognito-idp")
            browser = driver.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            loads: list[tuple[int, int]] = []
            ttis: list[float] = []
            sign_ins: list[float] = []
            for _ in range(ROUNDS):
                email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
                cognito.sign_up(
                    ClientId=web["UserPoolClientId"],
                    Username=email,
                    Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": email}],
                )
                cognito.confirm_sign_up(
                    ClientId=web["UserPoolClientId"],
                    Username=email,
                    ConfirmationCode=outbox.latest_code(web["UserPoolId"], email),
                )
                context = browser.new_context()  # an empty cache each round
                page = context.new_page()
                bodies: list[int] = []

                def fetched(response: Response, bodies: list[int] = bodies) -> None:
                    bodies.append(len(response.body()))

                page.on("response", fetched)
                page.goto(web["WebUrl"])
                ttis.append(mark(page, "notes:interactive"))
                loads.append((sum(bodies), len(bodies)))
                page.fill("#sign-in-email", email)
                page.fill("#sign-in-password", PASSWORD)
                page.click("#sign-in")
                sign_ins.append(mark(page, "notes:listed") - mark(page, "notes:sign-in"))
                context.close()
            browser.close()
    size, requests = loads[0]
    print(f"first load: {requests} requests, {size} bytes of bodies (uncompressed)")
    print(f"time to interactive, {ROUNDS} fresh loads: {[round(t) for t in ttis]} ms")
    print(f"sign-in to notes listed: {[round(t) for t in sign_ins]} ms")
    print(
        f"first_load_kb={size / 1024:.1f} requests={requests} "
        f"tti_ms={statistics.median(ttis):.0f} sign_in_ms={statistics.median(sign_ins):.0f}"
    )


if __name__ == "__main__":
    main()
