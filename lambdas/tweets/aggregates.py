"""The aggregates a batch of tweets adds to: hashtag counts per minute and tweets per user,
folded inside the batch so each key is written once.

Exactly once, whatever Lambda delivers again: every aggregate item remembers, per shard, the
sequence number of the last record it counted (its high-water mark). A shard's records reach
the consumer in sequence order (parallelization factor 1), and a batch commits a key's whole
contribution in one conditional update, so the records a key has counted from a shard are
exactly those up to its mark. A contribution is applied only past the mark; when a redelivery
(a retry, a bisected half, the restart from the lowest failed record) brings records the key
has already counted, the update's condition fails, the mark is read, and only the records past
it are counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .models import Tweet

# Kinesis sequence numbers have up to 56 digits; zero-padded, their strings sort as numbers do
# (DynamoDB compares strings byte by byte).
SEQUENCE_DIGITS = 64

Key = tuple[str, str]  # (pk, sk) of the aggregates table


def hashtag_key(minute: str, hashtag: str) -> Key:
    return (f"hashtags#{minute}", hashtag)


def user_key(user: str) -> Key:
    return (f"user#{user}", "tweets")


def sequence_text(sequence_number: int) -> str:
    return str(sequence_number).zfill(SEQUENCE_DIGITS)


def high_water_attribute(shard_id: str) -> str:
    return f"seq#{shard_id}"


@dataclass(slots=True)
class Contribution:
    """What one batch adds to one key: the sequence numbers of the records counted, in
    order (one per tweet)."""

    sequence_numbers: list[int] = field(default_factory=list)
    # For hashtag windows: the minute, so the item can expire (TTL).
    minute: str | None = None

    @property
    def count(self) -> int:
        return len(self.sequence_numbers)

    def after(self, mark: int) -> Contribution:
        """The part of this contribution past a high-water mark."""
        return Contribution([n for n in self.sequence_numbers if n > mark], self.minute)


def fold(tweets: Iterable[tuple[int, Tweet]]) -> dict[Key, Contribution]:
    """Every key's contribution from ``tweets`` (sequence number, tweet), in sequence order."""
    folded: dict[Key, Contribution] = {}
    for sequence_number, tweet in tweets:
        key = user_key(tweet.user)
        contribution = folded.get(key)
        if contribution is None:
            contribution = folded[key] = Contribution()
        contribution.sequence_numbers.append(sequence_number)
        for hashtag in tweet.hashtags:
            key = hashtag_key(tweet.minute, hashtag)
            contribution = folded.get(key)
            if contribution is None:
                contribution = folded[key] = Contribution(minute=tweet.minute)
            contribution.sequence_numbers.append(sequence_number)
    return folded
