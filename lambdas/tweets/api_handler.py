"""The read API: ``GET /tweets/recent?limit=``, ``GET /users/{user}/tweets?limit=``,
``GET /hashtags/top?window=&limit=`` (tweets are written through the stream, not here)."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.http import add_error_answers, int_query, json_response
from shared.validation import ValidationError

from .reads import TweetReader

logger = Logger()
app = APIGatewayRestResolver()
add_error_answers(app)
reader = TweetReader(
    tweets_table=os.environ["TWEETS_TABLE"],
    aggregates_table=os.environ["AGGREGATES_TABLE"],
    client=boto3.client("dynamodb"),
)


def _bounded(name: str, default: int, low: int, high: int) -> int:
    value = int_query(app, name, default)
    assert value is not None
    if not low <= value <= high:
        raise ValidationError(f"{name} must be between {low} and {high}", name)
    return value


@app.get("/tweets/recent")
def recent() -> Response[str]:
    limit = _bounded("limit", 20, 1, 100)
    return json_response(200, {"tweets": reader.recent(limit)})


@app.get("/users/<user>/tweets")
def by_user(user: str) -> Response[str]:
    limit = _bounded("limit", 20, 1, 100)
    return json_response(200, reader.by_user(user, limit))


@app.get("/hashtags/top")
def top_hashtags() -> Response[str]:
    window = _bounded("window", 5, 1, 60)
    limit = _bounded("limit", 10, 1, 100)
    return json_response(200, reader.top_hashtags(window, limit))


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
