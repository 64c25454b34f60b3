"""The UI's hosting: private encrypted buckets, CloudFront with OAC, HTTPS and security headers."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template


def test_buckets_block_public_access_and_are_encrypted(rest: Template) -> None:
    buckets = rest.find_resources("AWS::S3::Bucket")
    assert len(buckets) == 2  # content + access logs
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]


def test_buckets_refuse_requests_without_tls(rest: Template) -> None:
    buckets = set(rest.find_resources("AWS::S3::Bucket"))
    enforced = set()
    for policy in rest.find_resources("AWS::S3::BucketPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if (
                statement["Effect"] == "Deny"
                and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")
                == "false"
            ):
                enforced.add(policy["Properties"]["Bucket"]["Ref"])
    assert enforced == buckets


def test_cloudfront_reads_the_bucket_through_origin_access_control(rest: Template) -> None:
    rest.resource_count_is("AWS::CloudFront::OriginAccessControl", 1)
    rest.has_resource_properties(
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": Match.object_like(
                {
                    "Origins": [
                        Match.object_like(
                            {
                                "OriginAccessControlId": Match.any_value(),
                                "S3OriginConfig": {"OriginAccessIdentity": ""},
                            }
                        )
                    ]
                }
            )
        },
    )


def test_cloudfront_redirects_to_https_logs_and_serves_index(rest: Template) -> None:
    rest.has_resource_properties(
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": Match.object_like(
                {
                    "DefaultRootObject": "index.html",
                    "DefaultCacheBehavior": Match.object_like(
                        {
                            "ViewerProtocolPolicy": "redirect-to-https",
                            "ResponseHeadersPolicyId": Match.any_value(),
                        }
                    ),
                    "Logging": Match.object_like({"Bucket": Match.any_value()}),
                }
            )
        },
    )


def test_security_headers_include_a_strict_csp_and_hsts(rest: Template) -> None:
    [policy] = rest.find_resources("AWS::CloudFront::ResponseHeadersPolicy").values()
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    csp_text = csp if isinstance(csp, str) else str(csp)
    assert "default-src 'none'" in csp_text
    assert "frame-ancestors 'none'" in csp_text
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True


def test_site_content_and_generated_config_are_deployed(rest: Template) -> None:
    [deployment] = rest.find_resources("Custom::CDKBucketDeployment").values()
    props = deployment["Properties"]
    assert len(props["SourceObjectKeys"]) == 2  # the web folder + config.json
    # config.json's values are filled in at deploy time: the API's URL and its key id
    markers = str(props["SourceMarkers"])
    [api_id] = rest.find_resources("AWS::ApiGateway::RestApi")
    [key_id] = rest.find_resources("AWS::ApiGateway::ApiKey")
    assert f"'Ref': '{api_id}'" in markers
    assert f"'Ref': '{key_id}'" in markers
    assert props["DistributionPaths"] == ["/*"]
