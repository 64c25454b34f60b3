"""The seed's web application as one reusable construct: a static single-page app on S3 and
CloudFront, users in Cognito, and an API Gateway REST API (Cognito authorizer) whose function
keeps each user's notes in DynamoDB."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import Duration, IStableStringProducer, Lazy, Stack
from constructs import Construct

from ..constructs.cognito_rest_api import CognitoRestApi
from ..constructs.crud_handler import crud_handler
from ..constructs.data_table import DataTable
from ..constructs.hardening import Hardening
from ..constructs.rest_api import ApiLimits
from ..constructs.static_site import StaticSite
from ..constructs.user_pool import WebUserPool

WEB_DIR = Path(__file__).resolve().parents[2] / "web" / "notes"


@jsii.implements(IStableStringProducer)
class _SiteOrigin:
    """The site's origin, known once the site exists: the API (made first, since the site's
    page must name it) allows it."""

    def __init__(self) -> None:
        self.site: StaticSite | None = None

    def produce(self) -> str | None:
        if self.site is None:
            raise RuntimeError("the web application's site was never made")
        return self.site.origin


class WebApplication(Construct):
    """Per-user notes: sign-up and sign-in with Cognito, a notes API only signed-in users can
    call, and the single-page app that does both, served by CloudFront.

    The API takes the user pool's access tokens; the function reads who is calling from the
    token's claims, never from the request, and keeps notes in a table partitioned by user id.
    Browsers may call the API from the site's own origin and ``extra_origins`` (never ``*``).
    ``password_sign_in`` lets the app client sign in with ``USER_PASSWORD_AUTH`` as well as SRP
    (for a dev stage's scripts; the page always uses SRP).

    Exposes ``users`` (``pool``, ``client``), ``table``, ``api`` (a :class:`CognitoRestApi`),
    ``handler`` and ``site`` for the stack's outputs and further wiring.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hardening: Hardening,
        limits: ApiLimits | None = None,
        max_duration: Duration | None = None,
        password_sign_in: bool = False,
        extra_origins: Sequence[str] = (),
        site_label: str = "notes",
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.users = WebUserPool(
            self, "Users", hardening=hardening, app_name="Notes", password_sign_in=password_sign_in
        )
        self.table = DataTable(
            self, "Notes", partition_key="userId", sort_key="noteId", hardening=hardening
        ).table
        site_origin = _SiteOrigin()
        origins = [Lazy.string(site_origin), *extra_origins]
        self.api = CognitoRestApi(
            self,
            "NotesApi",
            description="Per-user notes of the web application",
            user_pool=self.users.pool,
            allowed_origins=origins,
            limits=limits or ApiLimits(),
            hardening=hardening,
            # A note's body may hold 10,000 characters: more than the web ACL's 8 KB.
            large_bodies=True,
        )
        self.handler = crud_handler(
            self,
            "NotesHandler",
            package="notes",
            kind="note",
            description="CRUD for /notes of the signed-in user: validates, talks to DynamoDB",
            api=self.api,
            table=self.table,
            hardening=hardening,
            max_duration=max_duration,
            environment={
                "ALLOWED_ORIGINS": ",".join(origins),
                "APP_CLIENT_IDS": self.users.client.user_pool_client_id,
            },
        )
        cognito_endpoint = f"https://cognito-idp.{stack.region}.{stack.url_suffix}"
        config: dict[str, Any] = {
            "apiUrl": self.api.url,
            "region": stack.region,
            "userPoolId": self.users.pool.user_pool_id,
            "userPoolClientId": self.users.client.user_pool_client_id,
            "cognitoEndpoint": f"{cognito_endpoint}/",
        }
        self.site = StaticSite(
            self,
            "Site",
            source_dir=WEB_DIR,
            config=config,
            connect_sources=[self.api.origin, cognito_endpoint],
            hardening=hardening,
            host_label=site_label,
        )
        site_origin.site = self.site
