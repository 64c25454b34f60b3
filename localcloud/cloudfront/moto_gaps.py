"""CloudFront in CloudFormation: Distribution, OriginAccessControl, ResponseHeadersPolicy,
CachePolicy; and the deployed distributions, read for the front door.

Gap: moto's CloudFront backend has distributions (moto/cloudfront/models.py:263) and
origin access controls (:294) but no ``CloudFormationModel`` at all, and no response headers
policies; CloudFormation skips all three types, so ``Ref``/``GetAtt`` of a distribution
(e.g. a stack output with its domain name) fails. The models below create distributions
and origin access controls in moto's backend (so the CloudFront API lists them) and record
what the local web server needs that moto does not keep: the distribution's configuration
as the template wrote it, the response headers policies and the cache policies (moto has
neither kind of policy). Read them with :func:`distribution_config`,
:func:`response_headers_policy` and :func:`cache_policy`; ``static_sites`` serves the
distributions that :func:`distributions` lists, configured as :func:`distribution_config_of`
says.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from moto.cloudfront.models import cloudfront_backends
from moto.utilities.utils import get_partition

from ..emulator import ACCOUNT_ID
from ..moto_helpers.cfn_models import Context, Created, Delete, Properties, cfn_model

# distribution id -> DistributionConfig as in the template; policy id -> ResponseHeadersPolicyConfig
_distribution_configs: dict[str, dict[str, Any]] = {}
_response_headers_policies: dict[str, dict[str, Any]] = {}
# cache policy id -> CachePolicyConfig as in the template
_cache_policies: dict[str, dict[str, Any]] = {}


def distribution_config(distribution_id: str) -> dict[str, Any] | None:
    """A deployed distribution's ``DistributionConfig``, in CloudFormation's shape (plain
    lists; DefaultRootObject, CustomErrorResponses, ResponseHeadersPolicyId, ... as
    written), or None if no stack created it."""
    config = _distribution_configs.get(distribution_id)
    return copy.deepcopy(config) if config is not None else None


def response_headers_policy(policy_id: str) -> dict[str, Any] | None:
    """A deployed ``ResponseHeadersPolicyConfig`` (CloudFormation's shape) by the policy id
    that a cache behaviour's ``ResponseHeadersPolicyId`` holds, or None."""
    config = _response_headers_policies.get(policy_id)
    return copy.deepcopy(config) if config is not None else None


def cache_policy(policy_id: str) -> dict[str, Any] | None:
    """A deployed ``CachePolicyConfig`` (CloudFormation's shape) by the id a cache
    behaviour's ``CachePolicyId`` holds, or None (a managed policy, or none)."""
    config = _cache_policies.get(policy_id)
    return copy.deepcopy(config) if config is not None else None


def _backend(account_id: str, region_name: str) -> Any:
    return cloudfront_backends[account_id][get_partition(region_name)]


def distributions(region: str, account_id: str = ACCOUNT_ID) -> dict[str, Any]:
    """CloudFront distributions by id (CloudFront is global: one backend per partition)."""
    found: dict[str, Any] = _backend(account_id, region).distributions
    return found


def distribution_config_of(distribution: Any) -> dict[str, Any]:
    """A distribution's ``DistributionConfig`` in CloudFormation's shape (plain lists).

    For a distribution a stack created, the config as the template wrote it (kept by the
    models below: moto drops parts of it, e.g. the cache behaviours' response headers policy
    ids and path patterns come through but custom error responses change shape); otherwise
    rebuilt from what moto's CloudFront API recorded.
    """
    config = distribution_config(distribution.distribution_id)
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


def _cfn_list(items: list[Any] | None) -> dict[str, Any]:
    items = items or []
    return {"Quantity": len(items), "Items": items} if items else {"Quantity": 0}


def api_distribution_config(config: dict[str, Any], caller_reference: str) -> dict[str, Any]:
    """CloudFormation's DistributionConfig (plain lists) -> the API's (Quantity/Items)."""
    origins = []
    for cfn_origin in config.get("Origins", []):
        origin = dict(cfn_origin)
        if "S3OriginConfig" in origin:
            origin["S3OriginConfig"] = {
                "OriginAccessIdentity": origin["S3OriginConfig"].get("OriginAccessIdentity", "")
            }
        if "CustomOriginConfig" in origin:  # an API origin: its TLS versions are a plain list
            custom = dict(origin["CustomOriginConfig"])
            if isinstance(custom.get("OriginSSLProtocols"), list):
                custom["OriginSslProtocols"] = _cfn_list(custom.pop("OriginSSLProtocols"))
            origin["CustomOriginConfig"] = custom
        origins.append(origin)
    api = {
        k: v
        for k, v in config.items()
        if k
        not in (
            "Origins",
            "Aliases",
            "CacheBehaviors",
            "CustomErrorResponses",
            "Logging",
            "IPV6Enabled",
        )
    }
    api.update(
        CallerReference=caller_reference,
        Origins=_cfn_list(origins),
        Aliases=_cfn_list(config.get("Aliases")),
        CacheBehaviors=_cfn_list(config.get("CacheBehaviors")),
        CustomErrorResponses=_cfn_list(config.get("CustomErrorResponses")),
        IsIPV6Enabled=config.get("IPV6Enabled", True),
        Comment=config.get("Comment", ""),
    )
    if "Logging" in config:
        api["Logging"] = {
            "Enabled": True,
            "IncludeCookies": config["Logging"].get("IncludeCookies", False),
            "Bucket": config["Logging"].get("Bucket", ""),
            "Prefix": config["Logging"].get("Prefix", ""),
        }
    return api


def _distribution(props: Properties, cfn: Context) -> Created:
    config = api_distribution_config(
        props["DistributionConfig"], f"{cfn.stack_id}/{cfn.logical_id}"
    )
    distribution, _, _ = _backend(cfn.account_id, cfn.region_name).create_distribution(
        config, props.get("Tags", [])
    )
    _distribution_configs[distribution.distribution_id] = props["DistributionConfig"]
    return Created(
        distribution.distribution_id,
        {"Id": distribution.distribution_id, "DomainName": distribution.domain_name},
    )


def _origin_access_control(props: Properties, cfn: Context) -> Created:
    control = _backend(cfn.account_id, cfn.region_name).create_origin_access_control(
        props["OriginAccessControlConfig"]
    )
    return Created(control.id, {"Id": control.id})


def _response_headers_policy(props: Properties, cfn: Context) -> Created:
    """moto has no response headers policies: recorded for the local web server."""
    policy_id = str(uuid.uuid4())
    _response_headers_policies[policy_id] = props["ResponseHeadersPolicyConfig"]
    return Created(policy_id, {"Id": policy_id, "LastModifiedTime": ""})


def _cache_policy(props: Properties, cfn: Context) -> Created:
    """moto has no cache policies: recorded for the local web server (which forwards only
    the query strings a policy keys on)."""
    policy_id = str(uuid.uuid4())
    _cache_policies[policy_id] = props["CachePolicyConfig"]
    return Created(policy_id, {"Id": policy_id, "LastModifiedTime": ""})


def _forget(records: dict[str, dict[str, Any]]) -> Delete:
    """A delete hook that drops what ``records`` keeps under the physical id."""

    def delete(created: Created, account_id: str, region_name: str) -> None:
        records.pop(created.physical_id, None)

    return delete


CloudFrontDistribution = cfn_model(
    "AWS::CloudFront::Distribution",
    _distribution,
    attributes=("DomainName", "Id"),
    delete=_forget(_distribution_configs),
)
CloudFrontOriginAccessControl = cfn_model(
    "AWS::CloudFront::OriginAccessControl", _origin_access_control, attributes=("Id",)
)
CloudFrontResponseHeadersPolicy = cfn_model(
    "AWS::CloudFront::ResponseHeadersPolicy",
    _response_headers_policy,
    attributes=("Id", "LastModifiedTime"),
    delete=_forget(_response_headers_policies),
)

CloudFrontCachePolicy = cfn_model(
    "AWS::CloudFront::CachePolicy",
    _cache_policy,
    attributes=("Id", "LastModifiedTime"),
    delete=_forget(_cache_policies),
)

MODELS = (
    CloudFrontDistribution,
    CloudFrontOriginAccessControl,
    CloudFrontResponseHeadersPolicy,
    CloudFrontCachePolicy,
)
