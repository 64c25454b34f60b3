"""moto's gaps around the image processing stack, one regression test each: presigned POST
policies (moto stores any upload), bucket versioning from a template, Secrets Manager secrets
from a template, and CloudFront cache policies (the query strings an API origin gets)."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

import pytest

from localcloud.cloudfront import moto_gaps as cloudfront_gaps
from localcloud.cloudfront.static_sites import _forwarded_query
from localcloud.emulator import Emulator
from localcloud.http_messages import HttpRequest
from localcloud.s3 import post_policy
from tests.e2e._http import post_form
from tests.e2e._moto_fixtures import Stacks, unique

MAX_BYTES = 1000


@pytest.fixture(scope="module")
def bucket(emulator: Emulator) -> str:
    name = unique("uploads")
    emulator.client("s3").create_bucket(Bucket=name)
    return name


def presigned(emulator: Emulator, bucket: str, key: str, **options: Any) -> dict[str, Any]:
    post: dict[str, Any] = emulator.client("s3").generate_presigned_post(
        Bucket=bucket,
        Key=key,
        Fields={"Content-Type": "image/png"},
        Conditions=[{"Content-Type": "image/png"}, ["content-length-range", 1, MAX_BYTES]],
        **options,
    )
    return post


def stored(emulator: Emulator, bucket: str, key: str) -> bool:
    listed = emulator.client("s3").list_objects_v2(Bucket=bucket, Prefix=key)
    return bool(listed.get("Contents"))


def test_an_upload_within_its_policy_is_stored(emulator: Emulator, bucket: str) -> None:
    post = presigned(emulator, bucket, "uploads/fine")
    answer = post_form(post["url"], post["fields"], b"x" * MAX_BYTES)
    assert answer.status == 204, answer.body
    head = emulator.client("s3").head_object(Bucket=bucket, Key="uploads/fine")
    assert head["ContentLength"] == MAX_BYTES
    assert head["ContentType"] == "image/png"


def test_an_upload_over_the_size_range_is_refused(emulator: Emulator, bucket: str) -> None:
    post = presigned(emulator, bucket, "uploads/too-big")
    answer = post_form(post["url"], post["fields"], b"x" * (MAX_BYTES + 1))
    assert answer.status == 400
    assert b"<Code>EntityTooLarge</Code>" in answer.body
    assert not stored(emulator, bucket, "uploads/too-big")


def test_an_empty_upload_is_refused(emulator: Emulator, bucket: str) -> None:
    post = presigned(emulator, bucket, "uploads/empty")
    answer = post_form(post["url"], post["fields"], b"")
    assert (answer.status, b"EntityTooSmall" in answer.body) == (400, True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Content-Type": "text/plain"}, b'["eq", "$Content-Type", "image/png"]'),
        ({"key": "uploads/elsewhere"}, b'["eq", "$key", "uploads/moved"]'),
        ({"x-amz-meta-owner": "mallory"}, b"Extra input fields: x-amz-meta-owner"),
    ],
    ids=["other-content-type", "other-key", "extra-field"],
)
def test_a_form_its_policy_does_not_allow_is_refused(
    emulator: Emulator, bucket: str, change: dict[str, str], message: bytes
) -> None:
    post = presigned(emulator, bucket, "uploads/moved")
    answer = post_form(post["url"], {**post["fields"], **change}, b"x" * 10)
    assert answer.status == 403
    assert b"<Code>AccessDenied</Code>" in answer.body
    assert message in answer.body
    assert not stored(emulator, bucket, "uploads/moved")
    assert not stored(emulator, bucket, "uploads/elsewhere")


def test_an_expired_policy_is_refused(emulator: Emulator, bucket: str) -> None:
    post = presigned(emulator, bucket, "uploads/late", ExpiresIn=60)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=2)
    refusal = post_policy.check(bucket, post["fields"], 10, now=later)
    assert refusal is not None
    assert (refusal.status, refusal.message) == (
        403,
        "Invalid according to Policy: Policy expired.",
    )


def test_starts_with_conditions(bucket: str) -> None:
    policy = {
        "expiration": "2999-01-01T00:00:00Z",
        "conditions": [["starts-with", "$Content-Type", "image/"], {"key": "k"}],
    }
    form = {"key": "k", "policy": base64.b64encode(json.dumps(policy).encode()).decode()}
    assert post_policy.check(bucket, {**form, "Content-Type": "image/webp"}, 5) is None
    refusal = post_policy.check(bucket, {**form, "Content-Type": "video/mp4"}, 5)
    assert refusal is not None
    assert refusal.status == 403


def test_a_bucket_versioned_in_its_template_versions_its_objects(
    stacks: Stacks, emulator: Emulator
) -> None:
    deployed = stacks.deploy(
        {
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"VersioningConfiguration": {"Status": "Enabled"}},
            }
        },
        outputs={"Name": {"Ref": "Bucket"}},
    )
    s3 = emulator.client("s3")
    name = deployed.outputs["Name"]
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    first = s3.put_object(Bucket=name, Key="k", Body=b"1")["VersionId"]
    second = s3.put_object(Bucket=name, Key="k", Body=b"2")["VersionId"]
    assert first != second
    assert first != "null"


def test_a_secret_gets_its_generated_value(stacks: Stacks, emulator: Emulator) -> None:
    deployed = stacks.deploy(
        {
            "Key": {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {
                    "Description": "signs URLs",
                    "GenerateSecretString": {"PasswordLength": 48, "ExcludePunctuation": True},
                },
            },
            "Login": {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {
                    "GenerateSecretString": {
                        "SecretStringTemplate": '{"username": "admin"}',
                        "GenerateStringKey": "password",
                    }
                },
            },
        },
        outputs={"Key": {"Ref": "Key"}, "Login": {"Ref": "Login"}},
    )
    secrets = emulator.client("secretsmanager")
    arn = deployed.outputs["Key"]
    assert arn.startswith("arn:aws:secretsmanager:")
    value = secrets.get_secret_value(SecretId=arn)["SecretString"]
    assert len(value) == 48
    assert value.isalnum()
    login = json.loads(secrets.get_secret_value(SecretId=deployed.outputs["Login"])["SecretString"])
    assert login["username"] == "admin"
    assert len(login["password"]) == 32


def test_an_api_origin_gets_only_the_cache_policys_query_strings(
    stacks: Stacks,
) -> None:
    deployed = stacks.deploy(
        {
            "Policy": {
                "Type": "AWS::CloudFront::CachePolicy",
                "Properties": {
                    "CachePolicyConfig": {
                        "Name": unique("images"),
                        "DefaultTTL": 60,
                        "MinTTL": 0,
                        "MaxTTL": 600,
                        "ParametersInCacheKeyAndForwardedToOrigin": {
                            "EnableAcceptEncodingGzip": False,
                            "QueryStringsConfig": {
                                "QueryStringBehavior": "whitelist",
                                "QueryStrings": ["w", "sig"],
                            },
                            "HeadersConfig": {"HeaderBehavior": "none"},
                            "CookiesConfig": {"CookieBehavior": "none"},
                        },
                    }
                },
            }
        },
        outputs={"Id": {"Ref": "Policy"}},
    )
    policy_id = deployed.outputs["Id"]
    assert cloudfront_gaps.cache_policy(policy_id) is not None
    request = HttpRequest("GET", "/images/a", "w=10&utm=x&sig=abc&h=5", [], b"", "127.0.0.1")
    forwarded = _forwarded_query({"CachePolicyId": policy_id}, request)
    assert forwarded.query == "w=10&sig=abc"
    # a managed policy (not recorded) and an origin request policy forward everything
    assert (
        _forwarded_query({"CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}, request)
        is request
    )
    assert (
        _forwarded_query({"CachePolicyId": policy_id, "OriginRequestPolicyId": "x"}, request)
        is request
    )
