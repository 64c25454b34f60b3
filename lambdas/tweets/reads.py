"""Reading what the consumer stored: recent tweets, a user's tweets and count, the top hashtags
of the last minutes."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from typing import Any

from .aggregates import hashtag_key, user_key

# How far back "recent" looks (one query per minute window, newest first).
RECENT_MINUTES = 60


def _tweet(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"]["S"],
        "user": item["user"]["S"],
        "text": item["text"]["S"],
        "created_at": item["created_at"]["S"],
        "hashtags": sorted(item.get("hashtags", {}).get("SS", [])),
        "mentions": sorted(item.get("mentions", {}).get("SS", [])),
    }


def minutes_back(now: datetime.datetime, count: int) -> list[str]:
    """The ``count`` UTC minutes up to ``now``'s, newest first (YYYY-MM-DDTHH:MM)."""
    start = now.astimezone(datetime.UTC).replace(second=0, microsecond=0)
    return [
        (start - datetime.timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M") for i in range(count)
    ]


class TweetReader:
    def __init__(
        self,
        *,
        tweets_table: str,
        aggregates_table: str,
        client: Any,
        clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
    ) -> None:
        self._tweets = tweets_table
        self._aggregates = aggregates_table
        self._client = client
        self._clock = clock

    def recent(self, limit: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for minute in minutes_back(self._clock(), RECENT_MINUTES):
            answer = self._client.query(
                TableName=self._tweets,
                IndexName="byMinute",
                KeyConditionExpression="#minute = :minute",
                ExpressionAttributeNames={"#minute": "minute"},
                ExpressionAttributeValues={":minute": {"S": minute}},
                ScanIndexForward=False,
                Limit=limit - len(found),
            )
            found += [_tweet(item) for item in answer.get("Items", [])]
            if len(found) >= limit:
                break
        return found[:limit]

    def by_user(self, user: str, limit: int) -> dict[str, Any]:
        answer = self._client.query(
            TableName=self._tweets,
            IndexName="byUser",
            KeyConditionExpression="#user = :user",
            ExpressionAttributeNames={"#user": "user"},
            ExpressionAttributeValues={":user": {"S": user}},
            ScanIndexForward=False,
            Limit=limit,
        )
        pk, sk = user_key(user)
        counted = self._client.get_item(
            TableName=self._aggregates, Key={"pk": {"S": pk}, "sk": {"S": sk}}
        ).get("Item")
        return {
            "user": user,
            "tweetCount": int(counted["count"]["N"]) if counted else 0,
            "tweets": [_tweet(item) for item in answer.get("Items", [])],
        }

    def top_hashtags(self, window_minutes: int, limit: int) -> dict[str, Any]:
        minutes = minutes_back(self._clock(), window_minutes)
        counts: Counter[str] = Counter()
        for minute in minutes:
            pk = hashtag_key(minute, "")[0]
            kwargs: dict[str, Any] = {
                "TableName": self._aggregates,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": pk}},
                "ProjectionExpression": "sk, #count",
                "ExpressionAttributeNames": {"#count": "count"},
            }
            while True:
                answer = self._client.query(**kwargs)
                for item in answer.get("Items", []):
                    counts[item["sk"]["S"]] += int(item["count"]["N"])
                if "LastEvaluatedKey" not in answer:
                    break
                kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        top = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
        return {
            "window": {"minutes": window_minutes, "from": minutes[-1], "to": minutes[0]},
            "hashtags": [{"hashtag": tag, "count": count} for tag, count in top],
        }
