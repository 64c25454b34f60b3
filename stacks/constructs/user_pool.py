"""People who sign themselves up with an e-mail address and sign in to one browser app."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from .acknowledgements import acknowledge
from .hardening import Hardening

ACCESS_TOKEN_VALIDITY = Duration.minutes(60)
ID_TOKEN_VALIDITY = Duration.minutes(60)
REFRESH_TOKEN_VALIDITY = Duration.days(30)


class WebUserPool(Construct):
    """A user pool for self sign-up, and the public app client a browser signs in with.

    Users sign up with their e-mail address, which is their user name (case-insensitive) and
    which they confirm with the code Cognito e-mails them; passwords are at least 12
    characters of all four kinds. The client has no secret (a browser cannot keep one) and
    signs in with SRP (``USER_SRP_AUTH``: the password never leaves the browser); plain
    ``USER_PASSWORD_AUTH`` is added only when ``password_sign_in`` says so (a dev stage's
    scripts). Tokens: access and ID for 60 minutes, refresh for 30 days, revocable (sign-out
    revokes the refresh token). The hardening profile picks the feature plan (threat protection
    in prod) and puts the stack's web ACL in front of the pool.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hardening: Hardening,
        app_name: str,
        password_sign_in: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.pool = cognito.UserPool(
            self,
            "Pool",
            self_sign_up_enabled=True,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            # A changed address is used only once its owner confirms it.
            keep_original=cognito.KeepOriginalAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            user_verification=cognito.UserVerificationConfig(
                email_style=cognito.VerificationEmailStyle.CODE,
                email_subject=f"Your {app_name} confirmation code",
                email_body=f"Your {app_name} confirmation code is {{####}}",
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            mfa=cognito.Mfa.OFF,
            deletion_protection=not hardening.destroys_data,
            removal_policy=hardening.removal_policy,
            **hardening.user_pool_plan(),
        )
        self.client = self.pool.add_client(
            "WebClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True, user_password=password_sign_in),
            disable_o_auth=True,
            access_token_validity=ACCESS_TOKEN_VALIDITY,
            id_token_validity=ID_TOKEN_VALIDITY,
            refresh_token_validity=REFRESH_TOKEN_VALIDITY,
            enable_token_revocation=True,
            prevent_user_existence_errors=True,
        )
        hardening.protect_user_pool(self.pool)
        acknowledge(
            self.pool,
            "MFA is off: requiring it needs an authenticator enrolment flow or paid SMS and SES "
            "sending that this reference app does not set up; prod's threat protection checks "
            "every sign-in for compromised credentials and risk instead",
            "AwsSolutions-COG2",
        )
