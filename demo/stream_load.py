"""A load generator for the stream processing architecture: realistic synthetic tweets through
``POST /tweets/batch`` (API Gateway -> Kinesis PutRecords), against the local cloud or a deployed
stack.

Users and hashtags follow a Zipf-like spread (a few are very active, most are not), a third of
the tweets mention someone, and texts run up to 280 characters. Records Kinesis throttles
(PutRecords' per-record ``ProvisionedThroughputExceededException``) and requests API Gateway
throttles (429) are sent again with backoff; the closing summary counts what was sent, what was
throttled and retried, and what failed for good.

    python -m demo.stream_load --count 2000 --rate 1000          # the local cloud (make local)
    python -m demo.stream_load --outputs cdk-outputs.json --stack StreamProcessing-prod
    make tweets N=2000 RATE=1000
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import itertools
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from .checks import client_options

MAX_BATCH = 500
WORDS = [
    "serverless",
    "lambda",
    "stream",
    "kinesis",
    "datos",
    "nube",
    "evento",
    "cola",
    "tabla",
    "escala",
    "latencia",
    "coste",
    "arquitectura",
    "función",
    "api",
    "despliegue",
    "métrica",
    "alarma",
    "iterador",
    "lote",
    "fragmento",
    "consumo",
    "productor",
    "tweet",
    "hola",
    "mundo",
    "rápido",
    "lento",
    "hoy",
    "mañana",
    "semana",
    "equipo",
    "charla",
    "demo",
]
HASHTAGS = [
    "serverless",
    "aws",
    "kinesis",
    "lambda",
    "dynamodb",
    "python",
    "cloud",
    "data",
    "streaming",
    "devops",
    "iot",
    "bigdata",
    "analytics",
    "realtime",
    "firehose",
    "s3",
    "madrid",
    "barcelona",
    "futbol",
    "musica",
    "cine",
    "tech",
    "ai",
    "ml",
    "startup",
    "opensource",
    "linux",
    "security",
    "api",
    "events",
]


def _zipf_picker(n: int, s: float, rng: random.Random) -> Callable[[], int]:
    """Index 0..n-1 with probability proportional to 1 / (rank ** s)."""
    weights = [1.0 / (rank**s) for rank in range(1, n + 1)]
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]
    return lambda: bisect.bisect_left(cumulative, rng.random() * total)


def synthetic_tweets(
    count: int,
    *,
    seed: int = 7,
    users: int = 2000,
    prefix: str = "",
    now: datetime.datetime | None = None,
    spread_s: float = 0.0,
) -> list[dict[str, Any]]:
    """``count`` tweets; ``prefix`` starts every id, user and hashtag (tests tell their own
    apart); ``created_at`` is ``now`` minus up to ``spread_s`` seconds."""
    rng = random.Random(seed)
    user = _zipf_picker(users, 1.1, rng)
    tag = _zipf_picker(len(HASHTAGS), 1.0, rng)
    now = now or datetime.datetime.now(datetime.UTC)
    run = prefix or uuid.uuid4().hex[:6]
    tweets = []
    for n in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 40))]
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            words.insert(rng.randrange(len(words) + 1), f"#{prefix}{HASHTAGS[tag()]}")
        if rng.random() < 0.33:
            words.insert(rng.randrange(len(words) + 1), f"@{prefix}u{user()}")
        while len(" ".join(words)) > 280:  # whole words only: no hashtag cut in two
            words.pop(rng.randrange(len(words)))
        text = " ".join(words)
        moment = now - datetime.timedelta(seconds=rng.random() * spread_s)
        tweets.append(
            {
                "id": f"{run}-{n}",
                "user": f"{prefix}u{user()}",
                "text": text,
                "created_at": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            }
        )
    return tweets


@dataclass
class Summary:
    sent: int = 0
    throttled_retried: int = 0
    failed: int = 0
    requests: int = 0
    elapsed_s: float = 0.0
    # When each tweet's PutRecords answer came back (epoch seconds), by tweet id.
    put_at: dict[str, float] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.sent / self.elapsed_s if self.elapsed_s else 0.0

    def line(self) -> str:
        return (
            f"sent={self.sent} throttled_retried={self.throttled_retried} failed={self.failed} "
            f"requests={self.requests} elapsed_s={self.elapsed_s:.2f} "
            f"tweets_per_s={self.per_second:.0f}"
        )


class Progress:
    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self._lock = threading.Lock()

    def show(self, summary: Summary) -> None:
        if not self.enabled:
            return
        with self._lock:
            done = summary.sent + summary.failed
            width = 30
            filled = int(width * done / self.total) if self.total else width
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
                f"sent={summary.sent} retried={summary.throttled_retried} "
                f"failed={summary.failed}"
            )
            sys.stderr.flush()

    def end(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


class Producer:
    """Sends tweets to ``POST {api_url}tweets/batch`` with an API key."""

    def __init__(
        self,
        api_url: str,
        api_key: str,
        *,
        concurrency: int = 4,
        attempts: int = 8,
        timeout_s: float = 30.0,
    ) -> None:
        self.url = api_url.rstrip("/") + "/tweets/batch"
        self.api_key = api_key
        self.concurrency = concurrency
        self.attempts = attempts
        self.timeout_s = timeout_s
        self._lock = threading.Lock()

    def _post(self, tweets: Sequence[dict[str, Any]]) -> tuple[int, Any]:
        body = json.dumps({"tweets": list(tweets)}).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "x-api-key": self.api_key},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                return error.code, json.loads(text or b"{}")
            except ValueError:
                return error.code, {"message": text.decode("utf-8", "replace")}
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            return 0, {"message": str(error)}

    def _send_batch(self, tweets: Sequence[dict[str, Any]], summary: Summary) -> None:
        pending = list(tweets)
        lock = self._lock
        for attempt in range(self.attempts):
            status, answer = self._post(pending)
            with lock:
                summary.requests += 1
            if status == 200:
                results = answer.get("Records") or []
                now = time.time()
                retry = []
                for tweet, result in zip(pending, results, strict=False):
                    if result.get("ErrorCode"):
                        retry.append(tweet)
                    else:
                        summary.put_at[tweet["id"]] = now
                with lock:
                    summary.sent += len(pending) - len(retry)
                    summary.throttled_retried += len(retry)
                pending = retry
            elif status in (429, 0) or status >= 500:
                with lock:
                    summary.throttled_retried += len(pending)
            else:  # the API refused the batch: sending it again changes nothing
                raise ValueError(f"POST {self.url}: {status} {answer}")
            if not pending:
                return
            time.sleep(random.random() * min(2.0, 0.05 * 2**attempt))
        with lock:
            summary.failed += len(pending)

    def send(
        self,
        tweets: Sequence[dict[str, Any]],
        *,
        batch: int = MAX_BATCH,
        rate: float = 0.0,
        progress: bool = False,
    ) -> Summary:
        """Sends ``tweets`` in batches, at most ``rate`` tweets a second (0: as fast as the
        API takes them)."""
        summary = Summary()
        bar = Progress(len(tweets), enabled=progress)
        batches = [tweets[i : i + batch] for i in range(0, len(tweets), batch)]
        started = time.monotonic()

        def one(index_and_batch: tuple[int, Sequence[dict[str, Any]]]) -> None:
            index, chunk = index_and_batch
            if rate > 0:
                due = started + index * batch / rate
                time.sleep(max(0.0, due - time.monotonic()))
            self._send_batch(chunk, summary)
            bar.show(summary)

        with ThreadPoolExecutor(self.concurrency) as pool:
            list(pool.map(one, enumerate(batches)))
        summary.elapsed_s = time.monotonic() - started
        bar.end()
        return summary


# ---------------------------------------------------------------------------------------
# finding the API


def api_from_outputs(outputs_file: Path, stack: str) -> tuple[str, str]:
    """The stack's API URL and its key's value, from a ``cdk deploy --outputs-file`` file or
    the local cloud's ``local-outputs.json`` (whose ``LocalCloud.AwsEndpointUrl`` reaches the
    emulator)."""
    outputs = json.loads(outputs_file.read_text())
    if stack not in outputs:
        raise SystemExit(f"{outputs_file} has no stack {stack!r}; deployed: {sorted(outputs)}")
    values = outputs[stack]
    extra = client_options(outputs)
    apigateway = boto3.client("apigateway", **extra)
    key = apigateway.get_api_key(apiKey=values["ApiKeyId"], includeValue=True)["value"]
    return values["TweetsApiUrl"], key


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", "-n", type=int, default=1000, help="tweets to send")
    parser.add_argument("--rate", type=float, default=0.0, help="tweets/s (0: as fast as taken)")
    parser.add_argument("--batch", type=int, default=MAX_BATCH, help="tweets per request")
    parser.add_argument("--outputs", type=Path, default=Path("local-outputs.json"))
    parser.add_argument("--stack", default="StreamProcessing-dev")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not 1 <= args.batch <= MAX_BATCH:
        parser.error(f"--batch must be 1..{MAX_BATCH}")
    url, key = api_from_outputs(args.outputs, args.stack)
    tweets = synthetic_tweets(args.count, seed=args.seed)
    summary = Producer(url, key, concurrency=args.concurrency).send(
        tweets, batch=args.batch, rate=args.rate, progress=True
    )
    print(summary.line())
    return 0 if summary.failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
