"""The URL signing key, read once per execution environment from Secrets Manager."""

from __future__ import annotations

import os

import boto3


def signing_key() -> bytes:
    arn = os.environ["SIGNING_KEY_ARN"]
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=arn)
    return str(secret["SecretString"]).encode()
