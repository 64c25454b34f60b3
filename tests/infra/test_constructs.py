"""The architectures are constructs a user can put into a stack of their own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack

from stacks import add_security_checks
from stacks.architectures import RestMicroservice
from stacks.constructs.hardening import CustomDomain, Hardening

CERTIFICATE = "arn:aws:acm:us-east-1:111122223333:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"
CDN_ACL = (
    "arn:aws:wafv2:us-east-1:111122223333:global/webacl/edge/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
)


@pytest.fixture(scope="module")
def user_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's own app: two REST microservices side by side in one dev stack, and one in a
    prod-hardened stack with a custom domain and an existing CloudFront web ACL. Synthesized once,
    with the project's security checks."""
    outdir = tmp_path_factory.mktemp("user-app")
    app = App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    shop = Stack(app, "Shop")
    RestMicroservice(shop, "Products", hardening=Hardening.dev(), site_label="products")
    RestMicroservice(shop, "Orders", hardening=Hardening.dev(), site_label="orders")
    secured = Stack(app, "Secured")
    RestMicroservice(
        secured,
        "Items",
        hardening=Hardening.prod(
            cdn_web_acl_arn=CDN_ACL,
            cdn_web_acl_parameter=None,
            custom_domain=CustomDomain(zone="example.com", certificate_arn=CERTIFICATE),
        ),
    )
    add_security_checks(app)
    app.synth()
    return outdir


def template(outdir: Path, stack: str) -> dict[str, Any]:
    return json.loads((outdir / f"{stack}.template.json").read_text())


def of_type(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def test_two_rest_microservices_in_one_stack_each_have_their_own_resources(
    user_app: Path,
) -> None:
    # GIVEN two RestMicroservice constructs in one stack (synthesis succeeded: no name clash)
    shop = template(user_app, "Shop")
    # THEN each has its own table, API, key, usage plan, function, UI bucket and distribution
    for resource_type, count in (
        ("AWS::DynamoDB::Table", 2),
        ("AWS::ApiGateway::RestApi", 2),
        ("AWS::ApiGateway::ApiKey", 2),
        ("AWS::ApiGateway::UsagePlan", 2),
        ("AWS::CloudFront::Distribution", 2),
        ("AWS::S3::Bucket", 4),
    ):
        assert len(of_type(shop, resource_type)) == count, resource_type
    handlers = [
        name
        for name, fn in of_type(shop, "AWS::Lambda::Function").items()
        if fn["Properties"].get("Handler") == "items.handler.lambda_handler"
    ]
    assert sorted(name[:8] for name in handlers) == ["OrdersIt", "Products"]
    # ... and each function reads and writes its own table only
    for name in handlers:
        env = of_type(shop, "AWS::Lambda::Function")[name]["Properties"]["Environment"]
        table = env["Variables"]["TABLE_NAME"]["Ref"]
        assert table.startswith(name[:6])
    # while the stack shares one Powertools layer between them
    layers = [
        layer
        for layer in of_type(shop, "AWS::Lambda::LayerVersion").values()
        if "Powertools" in layer["Properties"].get("Description", "")
    ]
    assert len(layers) == 1


def test_constructs_pass_the_security_checks_in_a_users_stack(user_app: Path) -> None:
    report = json.loads((user_app / "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_a_custom_domain_gives_the_site_tls_1_2_and_its_own_name(user_app: Path) -> None:
    secured = template(user_app, "Secured")
    [distribution] = of_type(secured, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    assert config["Aliases"] == ["items.example.com"]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": CERTIFICATE,
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    # an ACL given by ARN is used as it is: no lookup of the CdnFirewall stack's parameter
    assert config["WebACLId"] == CDN_ACL
    assert not of_type(secured, "Custom::AWS")


def test_the_site_url_is_the_custom_domain() -> None:
    app = App()
    stack = Stack(app, "Site")
    hardening = Hardening.dev(
        custom_domain=CustomDomain(zone="example.com", certificate_arn=CERTIFICATE)
    )
    service = RestMicroservice(stack, "Items", hardening=hardening, site_label="shop")
    assert stack.resolve(service.site.url) == "https://shop.example.com/"
