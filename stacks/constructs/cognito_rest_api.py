"""A regional REST API whose every method needs a user's access token from a Cognito user pool."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Annotations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from .hardening import Hardening
from .rest_api import ApiLimits, RegionalRestApi

# The scope Cognito puts in every access token its own sign-in API issues (SRP, password,
# refresh): requiring it makes the API take access tokens and refuse ID tokens.
USER_POOL_API_SCOPE = "aws.cognito.signin.user.admin"


class CognitoRestApi(RegionalRestApi):
    """API Gateway's Cognito user pools authorizer on every method but CORS preflight (which
    never needs a token): a request carries ``Authorization: <access token>`` of ``user_pool``
    holding one of ``scopes``; anything else is a 401 from API Gateway, with CORS headers and
    ``WWW-Authenticate: Bearer``, before any function runs. With scopes set, API Gateway takes
    access tokens only: an ID token is refused.

    The integration finds the token's claims in ``requestContext.authorizer.claims`` (``sub``
    is the user); the access log records that ``sub`` with each request.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        description: str,
        user_pool: cognito.IUserPool,
        allowed_origins: Sequence[str],
        limits: ApiLimits,
        hardening: Hardening,
        scopes: Sequence[str] = (USER_POOL_API_SCOPE,),
        large_bodies: bool = False,
    ) -> None:
        if not scopes:
            raise ValueError(
                "scopes must name at least one: without them API Gateway takes ID tokens"
            )
        authorizers: list[apigw.CognitoUserPoolsAuthorizer] = []

        def method_options(api: Construct) -> apigw.MethodOptions:
            authorizers.append(
                apigw.CognitoUserPoolsAuthorizer(
                    api,
                    "Authorizer",
                    cognito_user_pools=[user_pool],
                    identity_source=apigw.IdentitySource.header("Authorization"),
                )
            )
            return apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.COGNITO,
                authorizer=authorizers[0],
                authorization_scopes=list(scopes),
            )

        super().__init__(
            scope,
            construct_id,
            description=description,
            allowed_origins=allowed_origins,
            allow_headers=["Content-Type", "Authorization", "Idempotency-Key"],
            limits=limits,
            hardening=hardening,
            caller_fields={"user": apigw.AccessLogField.context_authorizer_claims("sub")},
            method_options=method_options,
            large_bodies=large_bodies,
        )
        # CORS preflight methods take no authorizer, so CDK drops the default scopes there, and
        # says so once per resource: that is what we want.
        Annotations.of(self.api).acknowledge_warning(
            "@aws-cdk/aws-apigateway:invalidAuthScope",
            "CORS preflight (OPTIONS) never needs a token; the scopes apply to every other method",
        )
        self.authorizer = authorizers[0]
        self.scopes = tuple(scopes)
        self.api.add_gateway_response(
            "Unauthorized",
            type=apigw.ResponseType.UNAUTHORIZED,
            response_headers={**self.error_headers, "WWW-Authenticate": "'Bearer'"},
        )
