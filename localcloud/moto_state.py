"""Read-only views of moto's in-process backends (and of what the moto patches record beside
them), for the servers that answer what moto cannot serve itself (API Gateway traffic,
CloudFront sites).

Reading the backends in-process costs microseconds where a boto3 call through the emulator
costs milliseconds. Everything here reads moto 5.2.5 internals (moto is pinned exactly), so
it stays in this one module; nothing here writes.
"""

from __future__ import annotations

from typing import Any

from moto.apigateway.models import apigateway_backends
from moto.cloudfront.models import cloudfront_backends
from moto.cognitoidp.models import cognitoidp_backends
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition, load_resource

from .cloudfront import moto_gaps as cloudfront_gaps
from .emulator import ACCOUNT_ID


def apigateway(region: str, account_id: str = ACCOUNT_ID) -> Any:
    """The API Gateway backend: ``.apis``, ``.keys``, ``.usage_plans``, ``.usage_plan_keys``."""
    return apigateway_backends[account_id][region]


def distributions(region: str, account_id: str = ACCOUNT_ID) -> dict[str, Any]:
    """CloudFront distributions by id (CloudFront is global: one backend per partition)."""
    backend = cloudfront_backends[account_id][get_partition(region)]
    return backend.distributions


def s3_object(bucket: str, key: str, region: str, account_id: str = ACCOUNT_ID) -> Any | None:
    """The current version of an object (``.value``, ``.metadata``, ``.etag``), or None."""
    backend = s3_backends[account_id][get_partition(region)]
    found = backend.buckets.get(bucket)
    if found is None:
        return None
    return found.keys.get(key)


def distribution_config(distribution: Any) -> dict[str, Any]:
    """A distribution's ``DistributionConfig`` in CloudFormation's shape (plain lists).

    For a distribution a stack created, the config as the template wrote it (kept by the
    moto patches: moto drops parts of it, e.g. the cache behaviours' response headers policy
    ids and path patterns come through but custom error responses change shape); otherwise
    rebuilt from what moto's CloudFront API recorded.
    """
    config = cloudfront_gaps.distribution_config(distribution.distribution_id)
    if config is not None:
        return config
    recorded = distribution.distribution_config

    def items(node: Any) -> list[Any]:
        return list(node.get("Items") or []) if isinstance(node, dict) else list(node or [])

    def behaviour(found: Any) -> dict[str, Any]:
        return {
            "PathPattern": getattr(found, "path_pattern", ""),
            "TargetOriginId": found.target_origin_id,
            "ResponseHeadersPolicyId": found.response_headers_policy_id,
        }

    return {
        "Origins": [
            {"Id": o.id, "DomainName": o.domain_name, "OriginPath": o.origin_path}
            for o in items(recorded.Origins)
        ],
        "DefaultCacheBehavior": behaviour(recorded.DefaultCacheBehavior),
        "CacheBehaviors": [behaviour(b) for b in items(recorded.CacheBehaviors)],
        "DefaultRootObject": recorded.DefaultRootObject,
        "CustomErrorResponses": items(recorded.CustomErrorResponses),
    }


def response_headers_policy(policy_id: str) -> dict[str, Any] | None:
    """A deployed ``ResponseHeadersPolicyConfig`` (moto has none; the moto patches keep the
    ones stacks create)."""
    return cloudfront_gaps.response_headers_policy(policy_id)


def cognito_user_pool_exists(pool_id: str, region: str, account_id: str = ACCOUNT_ID) -> bool:
    return pool_id in cognitoidp_backends[account_id][region].user_pools


def cognito_public_jwks() -> dict[str, Any]:
    """The JSON Web Key Set moto's Cognito signs every user pool's tokens with (the one it
    serves at ``/{pool_id}/.well-known/jwks.json``)."""
    jwks: dict[str, Any] = load_resource("cognitoidp/resources/jwks-public.json")
    return jwks
