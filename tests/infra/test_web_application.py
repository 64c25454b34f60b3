"""The web application: Cognito users, an API only their access tokens open (CORS for the site's
own origin on every answer), a table partitioned by user, and the site that ties them together."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template


def resources(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"] for name, resource in template.find_resources(kind).items()
    }


def distribution_id(template: Template) -> str:
    (name,) = template.find_resources("AWS::CloudFront::Distribution")
    return name


def site_origin(template: Template) -> dict[str, Any]:
    return {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id(template), "DomainName"]}]]
    }


def test_every_method_but_preflight_needs_an_access_token_of_the_pool(web: Template) -> None:
    (authorizer_id, authorizer) = next(iter(resources(web, "AWS::ApiGateway::Authorizer").items()))
    (pool_id,) = web.find_resources("AWS::Cognito::UserPool")
    assert authorizer["Type"] == "COGNITO_USER_POOLS"
    assert authorizer["IdentitySource"] == "method.request.header.Authorization"
    assert authorizer["ProviderARNs"] == [{"Fn::GetAtt": [pool_id, "Arn"]}]
    methods = list(resources(web, "AWS::ApiGateway::Method").values())
    assert {m["HttpMethod"] for m in methods} == {"GET", "POST", "PUT", "DELETE", "OPTIONS"}
    for method in methods:
        if method["HttpMethod"] == "OPTIONS":
            # CORS preflight: no token, answered by API Gateway itself
            assert method["AuthorizationType"] == "NONE"
            assert method["Integration"]["Type"] == "MOCK"
        else:
            assert method["AuthorizationType"] == "COGNITO_USER_POOLS", method
            assert method["AuthorizerId"] == {"Ref": authorizer_id}
            # scopes make API Gateway take access tokens (and refuse ID tokens)
            assert method["AuthorizationScopes"] == ["aws.cognito.signin.user.admin"]
            assert not method.get("ApiKeyRequired", False)


def test_cors_allows_the_sites_own_origin_never_any(web: Template) -> None:
    expected = {
        "Fn::Join": ["", ["'https://", {"Fn::GetAtt": [distribution_id(web), "DomainName"]}, "'"]]
    }
    responses = resources(web, "AWS::ApiGateway::GatewayResponse")
    kinds = {r["ResponseType"]: r["ResponseParameters"] for r in responses.values()}
    # Every error API Gateway answers itself carries it: 4xx (401, 403, ...), 5xx, invalid bodies
    assert set(kinds) == {"DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "BAD_REQUEST_BODY"}
    for parameters in kinds.values():
        assert parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == expected
        assert parameters["gatewayresponse.header.Vary"] == "'Origin'"
    assert kinds["UNAUTHORIZED"]["gatewayresponse.header.WWW-Authenticate"] == "'Bearer'"
    # AND the preflight answers the same origin, and lets the Authorization header through
    for method in resources(web, "AWS::ApiGateway::Method").values():
        if method["HttpMethod"] == "OPTIONS":
            headers = method["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
            assert headers["method.response.header.Access-Control-Allow-Origin"] == expected
            assert "Authorization" in headers["method.response.header.Access-Control-Allow-Headers"]
    # AND the function answers only that origin, and only tokens of the web client
    (function,) = [
        f
        for f in resources(web, "AWS::Lambda::Function").values()
        if f.get("Handler") == "notes.handler.lambda_handler"
    ]
    variables = function["Environment"]["Variables"]
    assert variables["ALLOWED_ORIGINS"] == site_origin(web)
    (client_id,) = web.find_resources("AWS::Cognito::UserPoolClient")
    assert variables["APP_CLIENT_IDS"] == {"Ref": client_id}
    assert "'*'" not in json.dumps(web.to_json()["Resources"])


def test_the_browser_client_has_no_secret_and_explicit_token_lifetimes(web: Template) -> None:
    (client,) = resources(web, "AWS::Cognito::UserPoolClient").values()
    assert client["GenerateSecret"] is False
    assert (client["AccessTokenValidity"], client["IdTokenValidity"]) == (60, 60)
    assert client["RefreshTokenValidity"] == 30 * 24 * 60
    assert client["TokenValidityUnits"] == {
        "AccessToken": "minutes",
        "IdToken": "minutes",
        "RefreshToken": "minutes",
    }
    assert client["EnableTokenRevocation"] is True
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["AllowedOAuthFlowsUserPoolClient"] is False


def test_password_sign_in_only_where_the_stage_allows_it(web: Template, web_prod: Template) -> None:
    (dev_client,) = resources(web, "AWS::Cognito::UserPoolClient").values()
    (prod_client,) = resources(web_prod, "AWS::Cognito::UserPoolClient").values()
    # cdk.json: passwordSignIn is on in dev (scripts, the demo), off in prod
    assert set(dev_client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert set(prod_client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }


def test_users_sign_themselves_up_with_a_verified_email(web: Template) -> None:
    (pool,) = resources(web, "AWS::Cognito::UserPool").values()
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["VerificationMessageTemplate"]["DefaultEmailOption"] == "CONFIRM_WITH_CODE"
    assert pool["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 12,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "RequireUppercase": True,
        "TemporaryPasswordValidityDays": 3,
    }
    assert pool["UserPoolTier"] == "LITE"


def test_prod_adds_threat_protection_and_the_web_acl(web_prod: Template) -> None:
    (pool_id, pool) = next(iter(resources(web_prod, "AWS::Cognito::UserPool").items()))
    assert pool["UserPoolTier"] == "PLUS"
    assert pool["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert pool["DeletionProtection"] == "ACTIVE"
    associations = [
        a["ResourceArn"] for a in resources(web_prod, "AWS::WAFv2::WebACLAssociation").values()
    ]
    assert {"Fn::GetAtt": [pool_id, "Arn"]} in associations
    assert len(associations) == 2  # the pool and the API stage
    # A note may be 10,000 characters: the common rule set's 8 KB body limit only counts
    (acl,) = resources(web_prod, "AWS::WAFv2::WebACL").values()
    common = acl["Rules"][0]["Statement"]["ManagedRuleGroupStatement"]
    assert common["Name"] == "AWSManagedRulesCommonRuleSet"
    assert common["RuleActionOverrides"] == [
        {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}
    ]


def test_notes_are_partitioned_by_user(web: Template) -> None:
    web.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [
                {"AttributeName": "userId", "KeyType": "HASH"},
                {"AttributeName": "noteId", "KeyType": "RANGE"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )


def test_the_site_may_call_only_its_api_and_the_user_pool(web: Template) -> None:
    (policy,) = resources(web, "AWS::CloudFront::ResponseHeadersPolicy").values()
    csp = json.dumps(
        policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    )
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "https://cognito-idp." in csp
    assert ".execute-api." in csp


def test_outputs_name_what_users_and_scripts_need(web: Template) -> None:
    outputs = web.to_json()["Outputs"]
    assert {"WebUrl", "WebApiUrl", "UserPoolId", "UserPoolClientId", "NotesTableName"} <= set(
        outputs
    )
