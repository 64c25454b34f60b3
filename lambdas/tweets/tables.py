"""Data access: the tweets table (BatchWriteItem, idempotent by tweet id) and the aggregates
table (one conditional update per key and batch; see ``aggregates``)."""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .aggregates import Contribution, Key, high_water_attribute, sequence_text
from .models import Tweet

BATCH_WRITE_LIMIT = 25  # items per BatchWriteItem request


class Backoff:
    """Exponential backoff with full jitter: attempt n waits a random time up to
    ``min(cap_s, base_s * 2**n)``."""

    def __init__(
        self,
        *,
        attempts: int = 8,
        base_s: float = 0.05,
        cap_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.attempts = attempts
        self.base_s = base_s
        self.cap_s = cap_s
        self._sleep = sleep
        self._jitter = jitter

    def wait(self, attempt: int) -> None:
        self._sleep(self._jitter() * min(self.cap_s, self.base_s * 2**attempt))


def _run(executor: Executor | None, work: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    if executor is None or len(items) < 2:
        return [work(item) for item in items]
    return list(executor.map(work, items))


class TweetsTable:
    def __init__(
        self,
        name: str,
        client: Any,
        *,
        backoff: Backoff | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.name = name
        self._client = client
        self._backoff = backoff or Backoff()
        self._executor = executor

    def put(self, tweets: Sequence[Tweet]) -> set[str]:
        """Writes the tweets (a tweet id once: the last write of an id is the same item), in
        requests of 25; ``UnprocessedItems`` are sent again with backoff. Returns the ids still
        not written when the attempts run out."""
        unique = list({tweet.id: tweet for tweet in tweets}.values())
        chunks = [
            unique[i : i + BATCH_WRITE_LIMIT] for i in range(0, len(unique), BATCH_WRITE_LIMIT)
        ]
        failed: set[str] = set()
        for left in _run(self._executor, self._put_chunk, chunks):
            failed.update(left)
        return failed

    def _put_chunk(self, tweets: Sequence[Tweet]) -> list[str]:
        requests: list[dict[str, Any]] = [{"PutRequest": {"Item": t.item()}} for t in tweets]
        for attempt in range(self._backoff.attempts):
            try:
                answer = self._client.batch_write_item(RequestItems={self.name: requests})
            except (ClientError, BotoCoreError):
                # The SDK has retried throttling already; the whole chunk is unprocessed.
                answer = {"UnprocessedItems": {self.name: requests}}
            requests = (answer.get("UnprocessedItems") or {}).get(self.name) or []
            if not requests:
                return []
            if attempt + 1 < self._backoff.attempts:
                self._backoff.wait(attempt)
        return [r["PutRequest"]["Item"]["id"]["S"] for r in requests]


class AggregatesTable:
    def __init__(
        self,
        name: str,
        client: Any,
        *,
        window_ttl: datetime.timedelta | None = None,
        executor: Executor | None = None,
        attempts: int = 5,
    ) -> None:
        self.name = name
        self._client = client
        self._window_ttl = window_ttl
        self._executor = executor
        self._attempts = attempts

    def add(self, shard_id: str, contributions: Mapping[Key, Contribution]) -> list[Key]:
        """Applies each key's contribution exactly once (see ``aggregates``). Returns the keys
        whose update failed (they are to be delivered again)."""
        keys = list(contributions)

        def apply(key: Key) -> bool:
            return self._apply(shard_id, key, contributions[key])

        return [
            key
            for key, done in zip(keys, _run(self._executor, apply, keys), strict=True)
            if not done
        ]

    def counted(self, key: Key) -> int:
        item = self._client.get_item(
            TableName=self.name,
            Key={"pk": {"S": key[0]}, "sk": {"S": key[1]}},
            ConsistentRead=True,
            ProjectionExpression="#count",
            ExpressionAttributeNames={"#count": "count"},
        ).get("Item")
        return int(item["count"]["N"]) if item else 0

    def _apply(self, shard_id: str, key: Key, contribution: Contribution) -> bool:
        mark_name = high_water_attribute(shard_id)
        seen: str | None = None  # the mark read after a failed condition
        for _ in range(self._attempts):
            if not contribution.sequence_numbers:
                return True
            values: dict[str, Any] = {
                ":n": {"N": str(contribution.count)},
                ":last": {"S": sequence_text(contribution.sequence_numbers[-1])},
            }
            names = {"#count": "count", "#mark": mark_name}
            update = "ADD #count :n SET #mark = :last"
            if seen is None:
                condition = "attribute_not_exists(#mark) OR #mark < :first"
                values[":first"] = {"S": sequence_text(contribution.sequence_numbers[0])}
            else:
                condition = "#mark = :seen"
                values[":seen"] = {"S": seen}
            expires = self._expires_at(contribution)
            if expires is not None:
                update += ", #expires = :expires"
                names["#expires"] = "expiresAt"
                values[":expires"] = {"N": str(expires)}
            try:
                self._client.update_item(
                    TableName=self.name,
                    Key={"pk": {"S": key[0]}, "sk": {"S": key[1]}},
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
                return True
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    return False
            except BotoCoreError:
                return False
            # Some of these records were counted already: count only those past the mark.
            seen = self._mark(key, mark_name)
            if seen is None:
                continue  # the item went away meanwhile: try the first condition again
            contribution = contribution.after(int(seen))
        return False

    def _mark(self, key: Key, mark_name: str) -> str | None:
        item = self._client.get_item(
            TableName=self.name,
            Key={"pk": {"S": key[0]}, "sk": {"S": key[1]}},
            ConsistentRead=True,
            ProjectionExpression="#mark",
            ExpressionAttributeNames={"#mark": mark_name},
        ).get("Item")
        if not item or mark_name not in item:
            return None
        return str(item[mark_name]["S"])

    def _expires_at(self, contribution: Contribution) -> int | None:
        if contribution.minute is None or self._window_ttl is None:
            return None
        start = datetime.datetime.fromisoformat(contribution.minute).replace(tzinfo=datetime.UTC)
        return int((start + self._window_ttl).timestamp())


def chunks(items: Iterable[Any], size: int) -> list[list[Any]]:
    listed = list(items)
    return [listed[i : i + size] for i in range(0, len(listed), size)]
