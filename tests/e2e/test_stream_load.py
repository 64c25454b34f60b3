"""The load generator's tweets (``demo.stream_load``): valid against the tweet schema the API
and the consumer use, and spread as real traffic is (a few very active users and hashtags)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import fastjsonschema

from demo.stream_load import HASHTAGS, synthetic_tweets

SCHEMA = Path(__file__).resolve().parents[2] / "lambdas" / "tweets" / "schemas" / "tweet.json"


def test_synthetic_tweets_are_valid_tweets_with_whole_hashtags() -> None:
    validate = fastjsonschema.compile(json.loads(SCHEMA.read_text()))
    tweets = synthetic_tweets(3000, seed=1, prefix="t")
    for tweet in tweets:
        validate(tweet)
        assert len(tweet["text"]) <= 280
    # every hashtag is one of the generator's whole tags (none cut by the length limit)
    tags = {t for tweet in tweets for t in re.findall(r"#(\w+)", tweet["text"])}
    assert tags <= {f"t{tag}" for tag in HASHTAGS}
    assert len({tweet["id"] for tweet in tweets}) == len(tweets)


def test_users_and_hashtags_follow_a_zipf_like_spread_and_some_tweets_mention() -> None:
    tweets = synthetic_tweets(5000, seed=2)
    users = Counter(tweet["user"] for tweet in tweets).most_common()
    # the most active user tweets far more than the typical one, and many users tweet once
    assert users[0][1] >= 20 * users[len(users) // 2][1]
    assert sum(1 for _, n in users if n == 1) > len(users) / 3
    tags = Counter(t for tweet in tweets for t in re.findall(r"#(\w+)", tweet["text"]))
    ranked = [n for _, n in tags.most_common()]
    assert ranked[0] > 5 * ranked[-1]
    mentioning = sum("@" in tweet["text"] for tweet in tweets) / len(tweets)
    assert 0.25 < mentioning < 0.4
    assert max(len(tweet["text"]) for tweet in tweets) > 200
