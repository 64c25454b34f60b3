"""CloudFront distributions, served from what was deployed into the emulator.

moto records distributions but serves no content. :class:`StaticSites` answers a request
to a distribution as CloudFront would: pick the cache behaviour by path pattern, fetch from
its origin (an S3 bucket, read in-process from moto, with the default root object and the
distribution's custom error responses; or an API Gateway stage, handed to the local API),
and add the behaviour's response headers policy (CSP, HSTS, frame options, ...). An API
origin gets only the query strings the behaviour's cache policy keys on, as CloudFront
forwards (a behaviour with an origin request policy, or a managed cache policy, gets them
all); responses are not cached.

Deployed files and policies name the cloud URLs (``https://{api}.execute-api...``,
``https://{id}.cloudfront.net``); text responses and header values go through
``rewrite_text`` so that a local page talks to the local API.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import mimetypes
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ..emulator import ACCOUNT_ID
from ..http_messages import HttpRequest, HttpResponse
from ..s3 import moto_gaps as s3
from . import moto_gaps

_S3_ORIGIN = re.compile(r"^(?P<bucket>.+?)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$")
_API_ORIGIN = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$")
TEXT_TYPES = re.compile(
    r"^(text/|application/(json|javascript|x-javascript|ecmascript|xml|manifest\+json)"
    r"|image/svg\+xml|[a-z]+/[a-z0-9.+-]*\+(json|xml))"
)
# Headers S3 returns from an object's metadata.
_OBJECT_HEADERS = {
    "cache-control": "Cache-Control",
    "content-disposition": "Content-Disposition",
    "content-encoding": "Content-Encoding",
    "content-language": "Content-Language",
    "expires": "Expires",
}
# AWS-managed response headers policies a distribution may name by id.
_MANAGED_POLICIES: dict[str, dict[str, Any]] = {
    # Managed-SecurityHeadersPolicy
    "67f7725c-6f97-4210-82d7-5512b31e9d03": {
        "SecurityHeadersConfig": {
            "ContentTypeOptions": {"Override": False},
            "FrameOptions": {"FrameOption": "SAMEORIGIN", "Override": False},
            "ReferrerPolicy": {
                "ReferrerPolicy": "strict-origin-when-cross-origin",
                "Override": False,
            },
            "StrictTransportSecurity": {"AccessControlMaxAgeSec": 31536000, "Override": False},
            "XSSProtection": {"Protection": True, "ModeBlock": True, "Override": False},
        }
    },
    # Managed-SimpleCORS
    "60669652-455b-4ae9-85a4-c4c02393f86c": {
        "CorsConfig": {"AccessControlAllowOrigins": {"Items": ["*"]}, "OriginOverride": False}
    },
}
_METHOD_NOT_ALLOWED = (
    b"This distribution is not configured to allow the HTTP request method that was used "
    b"for this request. The distribution supports only cachable requests."
)

RewriteText = Callable[[str], str]
# forward_to_api(api_id, stage, path, request): the local API Gateway.
ForwardToApi = Callable[[str, str, str, HttpRequest], HttpResponse]


def _items(node: Any) -> list[Any]:
    """Lists in CloudFront configs: plain (CloudFormation's shape) or {Quantity, Items}."""
    if isinstance(node, list):
        return node
    if isinstance(node, dict):
        return list(node.get("Items") or [])
    return []


def policy_headers(config: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(header, value, override) for the security and custom headers of a policy config."""
    headers: list[tuple[str, str, bool]] = []
    security = config.get("SecurityHeadersConfig") or {}
    if csp := security.get("ContentSecurityPolicy"):
        headers.append(
            ("Content-Security-Policy", csp["ContentSecurityPolicy"], bool(csp.get("Override")))
        )
    if options := security.get("ContentTypeOptions"):
        headers.append(("X-Content-Type-Options", "nosniff", bool(options.get("Override"))))
    if frame := security.get("FrameOptions"):
        headers.append(("X-Frame-Options", frame["FrameOption"], bool(frame.get("Override"))))
    if referrer := security.get("ReferrerPolicy"):
        headers.append(
            ("Referrer-Policy", referrer["ReferrerPolicy"], bool(referrer.get("Override")))
        )
    if hsts := security.get("StrictTransportSecurity"):
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        if hsts.get("IncludeSubdomains"):
            value += "; includeSubDomains"
        if hsts.get("Preload"):
            value += "; preload"
        headers.append(("Strict-Transport-Security", value, bool(hsts.get("Override"))))
    if xss := security.get("XSSProtection"):
        value = "1" if xss.get("Protection") else "0"
        if xss.get("Protection") and xss.get("ModeBlock"):
            value += "; mode=block"
        if xss.get("Protection") and xss.get("ReportUri"):
            value += f"; report={xss['ReportUri']}"
        headers.append(("X-XSS-Protection", value, bool(xss.get("Override"))))
    for custom in _items((config.get("CustomHeadersConfig") or {}).get("Items")):
        headers.append((custom["Header"], str(custom["Value"]), bool(custom.get("Override"))))
    return headers


class StaticSites:
    """Serves every CloudFront distribution deployed in the emulator."""

    def __init__(
        self,
        *,
        region: str,
        rewrite_text: RewriteText,
        forward_to_api: ForwardToApi,
        account_id: str = ACCOUNT_ID,
    ):
        self.region = region
        self.account_id = account_id
        self._rewrite_text = rewrite_text
        self._forward_to_api = forward_to_api
        self._policies: dict[str, _Policy] = {}
        # distribution id -> (moto's distribution object, its config)
        self._configs: dict[str, tuple[Any, dict[str, Any]]] = {}
        # (bucket, key, S3 ETag) -> rewritten body and its ETag
        self._rewritten: dict[tuple[str, str, str], tuple[bytes, str]] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        with self._lock:
            self._policies.clear()
            self._configs.clear()
            self._rewritten.clear()

    def distributions(self) -> dict[str, str]:
        """Distribution id -> its cloudfront.net domain name."""
        found = moto_gaps.distributions(self.region, self.account_id)
        return {d.distribution_id: d.domain_name for d in list(found.values())}

    def distribution_for_domain(self, domain: str) -> str | None:
        for distribution_id, name in self.distributions().items():
            if name == domain:
                return distribution_id
        return None

    def handle(self, distribution_id: str, path: str, request: HttpRequest) -> HttpResponse:
        """A request for ``path`` (percent-encoded, starting with ``/``) on a distribution."""
        config = self._config(distribution_id)
        if config is None:
            return HttpResponse(404, [("Content-Type", "text/plain")], b"No such distribution")
        behaviour = config.get("DefaultCacheBehavior") or {}
        for candidate in _items(config.get("CacheBehaviors")):
            if fnmatch.fnmatchcase(path, "/" + str(candidate.get("PathPattern", "")).lstrip("/")):
                behaviour = candidate
                break
        origin = next(
            (
                o
                for o in _items(config.get("Origins"))
                if o.get("Id") == behaviour.get("TargetOriginId")
            ),
            None,
        )
        if origin is None:
            return HttpResponse(502, [("Content-Type", "text/plain")], b"No such origin")
        domain, origin_path = str(origin.get("DomainName", "")), origin.get("OriginPath") or ""
        if api := _API_ORIGIN.match(domain):
            forwarded = _forwarded_query(behaviour, request)
            response = self._from_api(api.group("api"), origin_path, path, forwarded)
        elif bucket := _S3_ORIGIN.match(domain):
            response = self._from_bucket(config, bucket.group("bucket"), origin_path, path, request)
        else:
            response = HttpResponse(
                502, [("Content-Type", "text/plain")], b"Origin not served locally"
            )
        if behaviour.get("ResponseHeadersPolicyId"):
            self._apply_policy(behaviour["ResponseHeadersPolicyId"], request, response)
        return response

    def _config(self, distribution_id: str) -> dict[str, Any] | None:
        distribution = moto_gaps.distributions(self.region, self.account_id).get(distribution_id)
        if distribution is None:
            return None
        cached = self._configs.get(distribution_id)
        if cached is None or cached[0] is not distribution:
            cached = self._configs[distribution_id] = (
                distribution,
                moto_gaps.distribution_config_of(distribution),
            )
        return cached[1]

    # -- origins -------------------------------------------------------------------------

    def _from_api(
        self, api_id: str, origin_path: str, path: str, request: HttpRequest
    ) -> HttpResponse:
        full = "/" + "/".join(s for s in f"{origin_path}{path}".split("/") if s)
        stage, _, rest = full[1:].partition("/")
        return self._forward_to_api(api_id, stage, "/" + rest, request)

    def _from_bucket(
        self,
        config: dict[str, Any],
        bucket: str,
        origin_path: str,
        path: str,
        request: HttpRequest,
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(403, [("Content-Type", "text/plain")], _METHOD_NOT_ALLOWED)
        if path == "/" and config.get("DefaultRootObject"):
            path = "/" + config["DefaultRootObject"]
        response = self._object(bucket, origin_path, path, request)
        if response.status < 400:
            return response
        for custom in _items(config.get("CustomErrorResponses")):
            if int(custom.get("ErrorCode", 0)) != response.status:
                continue
            if custom.get("ResponsePagePath"):
                page = self._object(bucket, origin_path, custom["ResponsePagePath"], request)
                if page.status < 400:
                    page.status = int(custom.get("ResponseCode") or response.status)
                    return page
            if custom.get("ResponseCode"):
                response.status = int(custom["ResponseCode"])
        return response

    def _object(
        self, bucket: str, origin_path: str, path: str, request: HttpRequest
    ) -> HttpResponse:
        key = "/".join(s for s in f"{origin_path}/{unquote(path)}".split("/") if s)
        found = s3.current_object(bucket, key, self.region, self.account_id)
        if found is None:
            # What S3 tells CloudFront's origin access control without s3:ListBucket.
            body = (
                b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                b"<Message>Access Denied</Message></Error>"
            )
            return HttpResponse(403, [("Content-Type", "application/xml")], body)
        metadata = {str(k).lower(): str(v) for k, v in (found.metadata or {}).items()}
        content_type = (
            metadata.get("content-type") or mimetypes.guess_type(key)[0] or "binary/octet-stream"
        )
        body, etag = self._body(bucket, key, found, content_type)
        headers = [("Content-Type", content_type), ("ETag", etag)]
        headers.append(("Last-Modified", found.last_modified_RFC1123))
        headers.extend(
            (name, metadata[lower]) for lower, name in _OBJECT_HEADERS.items() if lower in metadata
        )
        headers.extend((k, v) for k, v in metadata.items() if k.startswith("x-amz-meta-"))
        if etag in {t.strip() for t in (request.header("if-none-match") or "").split(",")}:
            return HttpResponse(304, headers, b"")
        return HttpResponse(200, headers, body)

    def _body(self, bucket: str, key: str, found: Any, content_type: str) -> tuple[bytes, str]:
        """The object's body, cloud URLs rewritten to local ones in text files."""
        etag: str = found.etag
        if not TEXT_TYPES.match(content_type.lower()):
            return found.value, etag
        cache_key = (bucket, key, etag)
        cached = self._rewritten.get(cache_key)
        if cached is None:
            original = found.value
            try:
                text = original.decode("utf-8")
            except UnicodeDecodeError:
                return original, etag
            rewritten = self._rewrite_text(text).encode("utf-8")
            if rewritten != original:
                etag = f'"{hashlib.md5(rewritten, usedforsecurity=False).hexdigest()}"'
            cached = self._rewritten[cache_key] = (rewritten, etag)
        return cached

    # -- response headers policies -------------------------------------------------------

    def _policy(self, policy_id: str) -> _Policy:
        policy = self._policies.get(policy_id)
        if policy is None:
            config = moto_gaps.response_headers_policy(policy_id) or _MANAGED_POLICIES.get(
                policy_id, {}
            )
            policy = self._policies[policy_id] = _Policy(
                headers=[
                    (name, self._rewrite_text(value), override)
                    for name, value, override in policy_headers(config)
                ],
                cors=config.get("CorsConfig"),
                removed={
                    r["Header"].lower()
                    for r in _items((config.get("RemoveHeadersConfig") or {}).get("Items"))
                },
            )
        return policy

    def _apply_policy(self, policy_id: str, request: HttpRequest, response: HttpResponse) -> None:
        policy = self._policy(policy_id)
        present = {name.lower() for name, _ in response.headers}
        for name, value, override in policy.headers:
            if override or name.lower() not in present:
                response.headers = [h for h in response.headers if h[0].lower() != name.lower()]
                response.headers.append((name, value))
        if policy.cors:
            _add_cors(policy.cors, request, response, present)
        if policy.removed:
            response.headers = [h for h in response.headers if h[0].lower() not in policy.removed]


def _forwarded_query(behaviour: dict[str, Any], request: HttpRequest) -> HttpRequest:
    """``request`` with the query strings CloudFront forwards to the origin: with a cache
    policy of the stack's and no origin request policy, those its cache key holds."""
    policy = moto_gaps.cache_policy(str(behaviour.get("CachePolicyId") or ""))
    if policy is None or behaviour.get("OriginRequestPolicyId") or not request.query:
        return request
    key = policy.get("ParametersInCacheKeyAndForwardedToOrigin") or {}
    config = key.get("QueryStringsConfig") or {}
    behaviour_name = str(config.get("QueryStringBehavior", "none")).lower()
    if behaviour_name == "all":
        return request
    listed = set(_items(config.get("QueryStrings")))
    kept = []
    for part in request.query.split("&"):
        name = unquote(part.split("=", 1)[0])
        if (behaviour_name == "whitelist" and name in listed) or (
            behaviour_name == "allexcept" and name not in listed
        ):
            kept.append(part)
    return dataclasses.replace(request, query="&".join(kept))


@dataclass(frozen=True, slots=True)
class _Policy:
    headers: list[tuple[str, str, bool]]
    cors: dict[str, Any] | None
    removed: set[str]


def _add_cors(
    cors: dict[str, Any], request: HttpRequest, response: HttpResponse, present: set[str]
) -> None:
    origin = request.header("origin")
    if not origin or ("access-control-allow-origin" in present and not cors.get("OriginOverride")):
        return
    allowed = _items(cors.get("AccessControlAllowOrigins"))
    if "*" in allowed:
        response.headers.append(("Access-Control-Allow-Origin", "*"))
    elif origin in allowed:
        response.headers.append(("Access-Control-Allow-Origin", origin))
        response.headers.append(("Vary", "Origin"))
    else:
        return
    if cors.get("AccessControlAllowCredentials"):
        response.headers.append(("Access-Control-Allow-Credentials", "true"))
    exposed = _items(cors.get("AccessControlExposeHeaders"))
    if exposed:
        response.headers.append(("Access-Control-Expose-Headers", ",".join(exposed)))
