"""AWS WAF web ACLs and their associations in CloudFormation.

Gap: moto's WAFv2 backend has web ACLs and associations (``WAFV2Backend.create_web_acl``,
``associate_web_acl``, moto/wafv2/models.py:472-560) but no CloudFormation model, so
``AWS::WAFv2::WebACL`` is skipped and everything that reads its ``Arn`` (an association, a
CloudFront distribution's ``WebACLId``) fails the stack. The models below create them through
the backend; the front door does not evaluate WAF rules (README, "What is not emulated").
"""

from __future__ import annotations

from moto.wafv2.models import wafv2_backends

from ..moto_helpers.cfn_models import Context, Created, Properties, cfn_model, lower_first

# CloudFront's web ACLs live in the global partition of moto's backend, as in AWS.
_GLOBAL = "global"


def _backend(cfn: Context, scope: str) -> object:
    return wafv2_backends[cfn.account_id][_GLOBAL if scope == "CLOUDFRONT" else cfn.region_name]


def _web_acl(props: Properties, cfn: Context) -> Created:
    scope = props["Scope"]
    acl = _backend(cfn, scope).create_web_acl(  # type: ignore[attr-defined]
        name=cfn.name,
        visibility_config=lower_first(props["VisibilityConfig"]),
        default_action=lower_first(props["DefaultAction"]),
        scope=scope,
        description=props.get("Description", ""),
        tags=props.get("Tags", []),
        rules=[lower_first(rule) for rule in props.get("Rules", [])],
        association_config=None,
        captcha_config=None,
        challenge_config=None,
        custom_response_bodies=None,
        token_domains=None,
    )
    return Created(
        f"{acl.name}|{acl.id}|{scope}",
        {
            "Arn": acl.arn,
            "Id": acl.id,
            "LabelNamespace": f"awswaf:{cfn.account_id}:webacl:{acl.name}:",
        },
        {"arn": acl.arn, "scope": scope},
    )


def _delete_web_acl(created: Created, account_id: str, region_name: str) -> None:
    scope = created.state["scope"]
    backend = wafv2_backends[account_id][_GLOBAL if scope == "CLOUDFRONT" else region_name]
    backend.wacls.pop(created.state["arn"], None)


def _association(props: Properties, cfn: Context) -> Created:
    backend = wafv2_backends[cfn.account_id][cfn.region_name]
    backend.associate_web_acl(props["WebACLArn"], props["ResourceArn"])
    return Created(
        f"{props['WebACLArn']}|{props['ResourceArn']}", state={"resource": props["ResourceArn"]}
    )


def _delete_association(created: Created, account_id: str, region_name: str) -> None:
    wafv2_backends[account_id][region_name].disassociate_web_acl(created.state["resource"])


WebAcl = cfn_model(
    "AWS::WAFv2::WebACL",
    _web_acl,
    name_property="Name",
    attributes=("Arn", "Id", "LabelNamespace"),
    delete=_delete_web_acl,
)
WebAclAssociation = cfn_model(
    "AWS::WAFv2::WebACLAssociation", _association, delete=_delete_association
)

MODELS = (WebAcl, WebAclAssociation)
