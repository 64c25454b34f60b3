"""Image processing: a 24-megapixel JPEG into the three derivatives (320, 960 and 1920 px wide,
each JPEG, WebP and AVIF), three ways in the same run, interleaved, medians of ``ROUNDS``:

- **ours**: ``lambdas/images/pipeline.derivatives`` (libvips: shrink-on-load for the largest,
  the others from the largest in memory, the nine encodes on a thread pool; AVIF at effort 1).
- **naive Pillow**: for each width, open the file and ``thumbnail`` it with LANCZOS, then save
  each format with Pillow's defaults (what most examples do).
- **best libvips**: the fastest single-threaded-caller libvips pipeline we could write with
  the same encoder settings as ours (``thumbnail`` from the file for the largest, the others
  from the largest), encodes one after another.

Also: Pillow naive but with our encoder settings (how much is settings, how much pipeline),
each way's output bytes, the peak memory of ours (a fresh process: maximum resident set, and
above what the process held before the call), and the on-demand path through the local API:
p50 of an uncached transform (a new size each time) and of a cached one (served from the
derivatives bucket, as on a CloudFront miss), ``REQUESTS`` each.

Last line: ``vs_naive=... vs_vips=... peak_mb=... ours_s=... naive_s=... vips_s=...
uncached_p50_ms=... cached_p50_ms=...``. Targets (issue #8): vs_naive >= 4, vs_vips <= 1.1,
peak_mb <= 400.
"""

from __future__ import annotations

import http.client
import io
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lambdas"))

import pyvips
from images import pipeline
from PIL import Image

from bench._measure import interleaved_medians, silent_cloud
from localcloud.synth import synthesize
from tests.lambdas.image_samples import jpeg, noise_jpeg

REPO = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("ROUNDS", "5"))
REQUESTS = int(os.environ.get("REQUESTS", "15"))
WIDTHS = (320, 960, 1920)
_UNBOUNDED = 10_000_000


def ours(data: bytes) -> int:
    return sum(len(o.body) for o in pipeline.derivatives(data, WIDTHS))


def naive_pillow(data: bytes, *, our_settings: bool = False) -> int:
    total = 0
    for width in WIDTHS:
        image = Image.open(io.BytesIO(data))
        image.thumbnail((width, _UNBOUNDED), Image.Resampling.LANCZOS)
        for image_format in ("JPEG", "WEBP", "AVIF"):
            options: dict[str, object] = {}
            if our_settings:
                options = {
                    "JPEG": {"quality": 80, "optimize": True},
                    "WEBP": {"quality": 80, "method": 0},
                    "AVIF": {"quality": 45, "speed": 8},
                }[image_format]
            buffer = io.BytesIO()
            image.save(buffer, image_format, **options)
            total += buffer.tell()
    return total


def best_vips(data: bytes) -> int:
    largest = pyvips.Image.thumbnail_buffer(data, max(WIDTHS), height=_UNBOUNDED).copy_memory()
    total = 0
    for width in WIDTHS:
        image = (
            largest
            if width >= largest.width
            else largest.thumbnail_image(width, height=_UNBOUNDED).copy_memory()
        )
        for image_format in ("jpeg", "webp", "avif"):
            total += len(pipeline.encode(image, image_format))
    return total


def timed(run: object, data: bytes) -> float:
    started = time.perf_counter()
    run(data)  # type: ignore[operator]
    return time.perf_counter() - started


# VmHWM, the process's own high-water mark (getrusage's ru_maxrss keeps the parent's across
# fork and exec on Linux, so a child started by a big parent reads the parent's peak).
_PEAK_SCRIPT = """
import re, sys
sys.path.insert(0, {lambdas!r})
from images import pipeline
def hwm():
    return int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
data = open({path!r}, "rb").read()
pipeline.configure()
before = hwm()
pipeline.derivatives(data, {widths!r})
print(before, hwm())
"""


def peak_memory_mb(path: Path) -> tuple[float, float]:
    """(maximum resident set of a fresh process running ours once, the part of it above what
    the process held before the call), in MB."""
    script = _PEAK_SCRIPT.format(lambdas=str(REPO / "lambdas"), path=str(path), widths=WIDTHS)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    before, after = (int(v) / 1024 for v in done.stdout.split())
    return after, after - before


def avif_efforts(data: bytes) -> None:
    """The encoder settings' evidence: the 1920 px derivative in AVIF at Q 45 and in WebP at
    Q 80, effort 0-4 (libvips' scales; the defaults are 4): encode time, size and PSNR
    against the image encoded."""
    image = pyvips.Image.thumbnail_buffer(data, max(WIDTHS), height=_UNBOUNDED).copy_memory()
    print("AVIF at 1920 px, Q 45:  effort  time     bytes    PSNR")
    for effort in range(5):
        started = time.perf_counter()
        body = image.heifsave_buffer(Q=45, compression="av1", effort=effort, bitdepth=8)
        seconds = time.perf_counter() - started
        back = pyvips.Image.new_from_buffer(body, "")[:3]
        difference = back.cast("float") - image.cast("float")
        mse = (difference * difference).avg()
        psnr = 10 * math.log10(255 * 255 / mse)
        print(f"{effort:>29} {seconds:6.2f} s {len(body):9,} {psnr:6.2f} dB")
    print("WebP at 1920 px, Q 80:  effort  time     bytes    PSNR")
    for effort in range(5):
        started = time.perf_counter()
        body = image.webpsave_buffer(Q=80, effort=effort)
        seconds = time.perf_counter() - started
        back = pyvips.Image.new_from_buffer(body, "")
        difference = back.cast("float") - image.cast("float")
        psnr = 10 * math.log10(255 * 255 / (difference * difference).avg())
        print(f"{effort:>29} {seconds:6.2f} s {len(body):9,} {psnr:6.2f} dB")


def on_demand(data: bytes) -> tuple[float, float, float, float]:
    """p50 (ms) of an uncached and of a cached transform through the local API; and for a
    result over Lambda's limit (a 2400 x 2400 noise image as PNG, 17 MB), the median of 3
    uncached requests answered with the redirect and of 3 fetches of its target through the
    local CDN."""
    with tempfile.TemporaryDirectory(prefix="cdk.out.bench.") as scratch:
        out = Path(scratch)
        synthesize(REPO, out)
        manifest = json.loads((out / "manifest.json").read_text())
        manifest["artifacts"] = {
            name: artifact
            for name, artifact in manifest["artifacts"].items()
            if artifact["type"] != "aws:cloudformation:stack" or name == "ImageProcessing"
        }
        (out / "manifest.json").write_text(json.dumps(manifest))
        with silent_cloud(out) as cloud:
            stack = cloud.local_outputs()["ImageProcessing-dev"]
            s3 = cloud.emulator.client("s3")
            s3.put_object(Bucket=stack["UploadsBucketName"], Key="uploads/bench", Body=data)
            s3.put_object(Bucket=stack["UploadsBucketName"], Key="uploads/noise", Body=noise_jpeg())
            api = urllib.parse.urlsplit(stack["TransformApiUrl"])
            cdn = urllib.parse.urlsplit(stack["CdnUrl"])
            connection = http.client.HTTPConnection(api.hostname, api.port, timeout=60)

            def get(query: str, image: str = "bench", status: int = 200) -> float:
                started = time.perf_counter()
                connection.request("GET", f"{api.path}images/{image}?{query}")
                response = connection.getresponse()
                response.read()
                assert response.status == status, response.status
                return (time.perf_counter() - started) * 1000

            redirects, follows = [], []
            for width in (2400, 2399, 2398):
                redirects.append(get(f"w={width}&format=png", "noise", 302))
            for width in (2400, 2399, 2398):
                connection.request("GET", f"{api.path}images/noise?w={width}&format=png")
                answer = connection.getresponse()
                answer.read()
                target = answer.getheader("Location") or ""
                started = time.perf_counter()
                connection.request("GET", f"{cdn.path.rstrip('/')}{target}")
                followed = connection.getresponse()
                body = followed.read()
                assert (followed.status, len(body) > 6 * 1024 * 1024) == (200, True), (
                    followed.status
                )
                follows.append((time.perf_counter() - started) * 1000)

            get("w=64&format=jpeg")  # warm: the function's cold start is not the transform's
            uncached = [get(f"w={800 + i}&format=webp") for i in range(REQUESTS)]
            get("w=640&format=webp")
            cached = [get("w=640&format=webp") for _ in range(REQUESTS)]
            connection.close()
    return (
        statistics.median(uncached),
        statistics.median(cached),
        statistics.median(redirects),
        statistics.median(follows),
    )


def main() -> None:
    data = jpeg(6000, 4000)
    print(f"input: 6000 x 4000 JPEG (24 MP), {len(data) / 1e6:.1f} MB; widths {WIDTHS}")
    print(f"outputs (bytes, all nine): ours {ours(data):,}; best libvips {best_vips(data):,}; "
          f"naive Pillow {naive_pillow(data):,}; "
          f"Pillow with our settings {naive_pillow(data, our_settings=True):,}")  # fmt: skip
    medians = interleaved_medians(
        {
            "ours": lambda: timed(ours, data),
            "vips": lambda: timed(best_vips, data),
            "naive": lambda: timed(naive_pillow, data),
            "naive_our_settings": lambda: timed(lambda d: naive_pillow(d, our_settings=True), data),
        },
        ROUNDS,
    )
    for name, seconds in medians.items():
        print(f"{name:>20}: {seconds:.3f} s (median of {ROUNDS})")
    avif_efforts(data)
    with tempfile.NamedTemporaryFile(suffix=".jpg") as file:
        file.write(data)
        file.flush()
        peak, added = peak_memory_mb(Path(file.name))
    print(f"peak memory of ours: {peak:.0f} MB resident ({added:.0f} MB above the process before)")
    uncached, cached, redirect, follow = on_demand(data)
    print(f"on-demand through the local API, p50 of {REQUESTS}: uncached {uncached:.0f} ms, "
          f"cached {cached:.0f} ms")  # fmt: skip
    print(f"a 17 MB PNG result: transformed, stored and redirected in {redirect:.0f} ms; "
          f"its copy through the local CDN in {follow:.0f} ms (medians of 3)")  # fmt: skip
    vs_naive = medians["naive"] / medians["ours"]
    vs_vips = medians["ours"] / medians["vips"]
    print(
        f"vs_naive={vs_naive:.2f} vs_vips={vs_vips:.2f} peak_mb={peak:.0f} "
        f"ours_s={medians['ours']:.3f} naive_s={medians['naive']:.3f} "
        f"vips_s={medians['vips']:.3f} "
        f"naive_our_settings_s={medians['naive_our_settings']:.3f} "
        f"uncached_p50_ms={uncached:.0f} cached_p50_ms={cached:.0f} "
        f"redirect_ms={redirect:.0f} redirect_target_ms={follow:.0f}"
    )


if __name__ == "__main__":
    main()
