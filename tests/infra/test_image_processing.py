"""Image processing: the upload notification, the event path's asynchronous retries and
failure destination, the CDN's cache policy and origin access, the buckets' lifecycle, and
each function's least privilege."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from stacks.stage_config import ConfigError, ImageSettings, StageConfig


def resources(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"] for name, resource in template.find_resources(kind).items()
    }


def logical_id(template: Template, kind: str, fragment: str) -> str:
    [found] = [name for name in template.find_resources(kind) if fragment in name]
    return found


def function_id(template: Template, name: str) -> str:
    return logical_id(template, "AWS::Lambda::Function", f"Images{name}Function")


def policy_of(template: Template, name: str) -> list[dict[str, Any]]:
    policy = logical_id(template, "AWS::IAM::Policy", f"Images{name}RoleDefaultPolicy")
    statements: list[dict[str, Any]] = resources(template, "AWS::IAM::Policy")[policy][
        "PolicyDocument"
    ]["Statement"]
    return statements


def test_only_objects_created_under_uploads_invoke_the_derivatives_function(
    images: Template,
) -> None:
    [notifications] = resources(images, "Custom::S3BucketNotifications").values()
    [config] = notifications["NotificationConfiguration"]["LambdaFunctionConfigurations"]
    assert config["Events"] == ["s3:ObjectCreated:*"]
    assert config["Filter"] == {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}}
    assert config["LambdaFunctionArn"] == {
        "Fn::GetAtt": [function_id(images, "Derivatives"), "Arn"]
    }
    uploads = logical_id(images, "AWS::S3::Bucket", "ImagesUploadsBucket")
    assert notifications["BucketName"] == {"Ref": uploads}


def test_async_invocations_retry_twice_then_go_to_the_failure_queue(images: Template) -> None:
    queue = logical_id(images, "AWS::SQS::Queue", "ImagesFailuresQueue")
    images.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": function_id(images, "Derivatives")},
            "MaximumRetryAttempts": 2,
            "MaximumEventAgeInSeconds": 3600,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue, "Arn"]}}},
        },
    )


def test_the_cache_policy_keys_on_the_transform_parameters_and_accept_only(
    images: Template,
) -> None:
    [policy] = resources(images, "AWS::CloudFront::CachePolicy").values()
    key = policy["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["QueryStringsConfig"] == {
        "QueryStringBehavior": "whitelist",
        "QueryStrings": ["w", "h", "fit", "format", "q", "sig"],
    }
    assert key["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Accept"]}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}
    assert policy["CachePolicyConfig"]["MinTTL"] == 0


def test_the_cdn_serves_transforms_from_the_api_and_derivatives_through_oac(
    images: Template,
) -> None:
    distribution = resources(images, "AWS::CloudFront::Distribution")[
        logical_id(images, "AWS::CloudFront::Distribution", "ImagesCdn")
    ]
    config = distribution["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    default_origin = origins[config["DefaultCacheBehavior"]["TargetOriginId"]]
    assert "execute-api" in json.dumps(default_origin["DomainName"])
    [derived] = config["CacheBehaviors"]
    assert derived["PathPattern"] == "/derived/*"
    bucket_origin = origins[derived["TargetOriginId"]]
    oac = logical_id(images, "AWS::CloudFront::OriginAccessControl", "ImagesCdnOrigin")
    assert bucket_origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac, "Id"]}
    derivatives = logical_id(images, "AWS::S3::Bucket", "ImagesDerivativesBucket")
    assert bucket_origin["DomainName"] == {"Fn::GetAtt": [derivatives, "RegionalDomainName"]}
    # Errors are cached for seconds, never for CloudFront's default of five minutes
    errors = {e["ErrorCode"]: e["ErrorCachingMinTTL"] for e in config["CustomErrorResponses"]}
    assert errors[404] == 10
    assert errors[400] == 10
    assert set(errors.values()) == {10}


def test_only_the_distribution_may_read_derivatives(images: Template) -> None:
    derivatives = logical_id(images, "AWS::S3::Bucket", "ImagesDerivativesBucket")
    policies = [
        p
        for p in resources(images, "AWS::S3::BucketPolicy").values()
        if p["Bucket"] == {"Ref": derivatives}
    ]
    statements = policies[0]["PolicyDocument"]["Statement"]
    # (dev also lets CDK's auto-delete helper list and delete, when the stack goes)
    readers = [s for s in statements if s["Effect"] == "Allow" and "s3:GetObject" in s["Action"]]
    [reader] = readers
    assert reader["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert reader["Action"] == "s3:GetObject"
    assert "AWS:SourceArn" in json.dumps(reader["Condition"])
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denies)


def test_buckets_are_private_encrypted_and_expire_what_nobody_asked_for(
    images: Template,
) -> None:
    for fragment in ("ImagesUploadsBucket", "ImagesDerivativesBucket"):
        bucket = resources(images, "AWS::S3::Bucket")[
            logical_id(images, "AWS::S3::Bucket", fragment)
        ]
        assert bucket["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        ]
        rules = bucket["LifecycleConfiguration"]["Rules"]
        assert any(
            r.get("AbortIncompleteMultipartUpload") == {"DaysAfterInitiation": 1} for r in rules
        )
    derivatives = resources(images, "AWS::S3::Bucket")[
        logical_id(images, "AWS::S3::Bucket", "ImagesDerivativesBucket")
    ]
    assert {
        "Id": "ExpireOnDemandResults",
        "Prefix": "derived/on-demand/",
        "ExpirationInDays": 30,
        "Status": "Enabled",
    } in derivatives["LifecycleConfiguration"]["Rules"]


def _s3_grants(statements: list[dict[str, Any]]) -> list[tuple[frozenset[str], str]]:
    """(actions, resource) of each S3 statement, resources as readable strings."""
    grants = []
    for statement in statements:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        if not any(a.startswith("s3:") for a in actions):
            continue
        targets = (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
        for target in targets:
            grants.append((frozenset(actions), json.dumps(target)))
    return grants


def test_the_derivatives_function_reads_uploads_and_writes_derivatives_only(
    images: Template,
) -> None:
    uploads = logical_id(images, "AWS::S3::Bucket", "ImagesUploadsBucket")
    derivatives = logical_id(images, "AWS::S3::Bucket", "ImagesDerivativesBucket")
    grants = _s3_grants(policy_of(images, "Derivatives"))
    object_grants = [(a, r) for a, r in grants if "/" in r.split("Arn")[-1]]
    readable = {r for a, r in object_grants if "s3:GetObject*" in a}
    writable = {r for a, r in object_grants if "s3:PutObject" in a}
    assert len(readable) == 1
    assert uploads in next(iter(readable))
    assert '"/uploads/*"' in next(iter(readable))
    assert len(writable) == 1
    assert derivatives in next(iter(writable))
    assert '"/derived/*"' in next(iter(writable))
    # No deletes anywhere, no writes to uploads, no reads of derivatives
    assert not any("s3:DeleteObject*" in a for a, _ in grants)
    assert not any(derivatives in r and "s3:GetObject*" in a for a, r in grants)
    assert not any(uploads in r and "s3:PutObject" in a for a, r in grants)


def test_the_transform_function_writes_only_on_demand_results(images: Template) -> None:
    derivatives = logical_id(images, "AWS::S3::Bucket", "ImagesDerivativesBucket")
    grants = _s3_grants(policy_of(images, "Transform"))
    writable = {r for a, r in grants if "s3:PutObject" in a}
    assert len(writable) == 1
    assert derivatives in next(iter(writable))
    assert '"/derived/on-demand/*"' in next(iter(writable))
    secrets = [
        s for s in policy_of(images, "Transform") if "secretsmanager:GetSecretValue" in s["Action"]
    ]
    assert len(secrets) == 1


def test_the_transform_api_is_public_and_binary_the_uploads_api_keyed(images: Template) -> None:
    apis = resources(images, "AWS::ApiGateway::RestApi")
    transform = apis[logical_id(images, "AWS::ApiGateway::RestApi", "TransformApi")]
    assert transform["BinaryMediaTypes"] == ["*/*"]
    for method in resources(images, "AWS::ApiGateway::Method").values():
        if method["HttpMethod"] == "OPTIONS":
            continue
        rest_api = method["RestApiId"]["Ref"]
        assert method.get("ApiKeyRequired", False) is ("ImagesApi" in rest_api), method
    images.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "GET",
            "RequestParameters": Match.object_like(
                {"method.request.path.key": True, "method.request.querystring.w": False}
            ),
        },
    )


def test_the_transform_apis_preflight_stays_text_despite_binary_media_types(
    images: Template,
) -> None:
    transform_api = logical_id(images, "AWS::ApiGateway::RestApi", "TransformApi")
    preflights = [
        m
        for m in resources(images, "AWS::ApiGateway::Method").values()
        if m["HttpMethod"] == "OPTIONS" and m["RestApiId"] == {"Ref": transform_api}
    ]
    assert preflights
    for preflight in preflights:
        assert preflight["Integration"]["Type"] == "MOCK"
        assert preflight["Integration"]["ContentHandling"] == "CONVERT_TO_TEXT"


def test_signed_urls_are_required_in_prod_and_optional_in_dev(
    images: Template, images_prod: Template
) -> None:
    def signed(template: Template) -> str:
        transform = resources(template, "AWS::Lambda::Function")[function_id(template, "Transform")]
        return str(transform["Environment"]["Variables"]["SIGNED_URLS"])

    assert signed(images) == "false"
    assert signed(images_prod) == "true"


def test_functions_carry_the_image_library_layer_and_measured_memory(images: Template) -> None:
    functions = resources(images, "AWS::Lambda::Function")
    layer = logical_id(images, "AWS::Lambda::LayerVersion", "ImageLibrary")
    for name in ("Derivatives", "Transform", "Api"):
        function = functions[function_id(images, name)]
        assert {"Ref": layer} in function["Layers"], name
        assert function["Architectures"] == ["arm64"]
    assert functions[function_id(images, "Derivatives")]["MemorySize"] == 1769


def test_the_page_may_post_to_the_uploads_bucket_and_show_images_from_the_cdn(
    images: Template,
) -> None:
    [headers] = resources(images, "AWS::CloudFront::ResponseHeadersPolicy").values()
    csp = json.dumps(
        headers["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    )
    uploads = logical_id(images, "AWS::S3::Bucket", "ImagesUploadsBucket")
    cdn = logical_id(images, "AWS::CloudFront::Distribution", "ImagesCdn")
    img_src = csp.split("img-src")[1].split(";")[0]
    connect_src = csp.split("connect-src")[1].split("base-uri")[0]
    assert cdn in img_src
    assert uploads in connect_src
    assert "RegionalDomainName" in connect_src
    images.has_resource_properties(
        "AWS::DynamoDB::Table",
        {"TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": True}},
    )


def _stage(stage: str, images: object = None) -> Any:
    context = json.loads((Path(__file__).resolve().parents[2] / "cdk.json").read_text())["context"]
    if images is not None:
        context["stages"][stage]["images"] = images
    return StageConfig.from_context({**context, "stage": stage}.get)


def test_image_settings_come_from_the_stage_config() -> None:
    assert _stage("dev").images == ImageSettings(signed_urls=False, max_upload_mb=25)
    assert _stage("prod").images == ImageSettings(signed_urls=True, max_upload_mb=25)
    # a stage without the block signs URLs: secure by default
    assert _stage("dev", {}).images.signed_urls is True


@pytest.mark.parametrize("bad", [0, -1, "25", 10_000, ["x"]])
def test_bad_image_settings_are_refused(bad: object) -> None:
    images = bad if isinstance(bad, list) else {"maxUploadMb": bad}
    with pytest.raises(ConfigError, match="images"):
        _stage("dev", images)
