"""S3 bucket policies in CloudFormation: recorded, not applied.

Gap: moto has no ``AWS::S3::BucketPolicy`` model (only ``AWS::S3::Bucket``,
moto/s3/models.py:1534), and applying the policy through ``put_bucket_policy`` would be
worse than skipping it: moto enforces bucket policies (``FakeBucket.get_permission``,
moto/s3/models.py:1154, checked in moto/s3/responses.py:1937) but understands only
trust-policy Conditions (``IAMPolicyStatement._check_conditions``,
moto/iam/access_control.py:547), so CDK's enforce-SSL statement (Deny ``s3:*`` to ``*``
unless ``aws:SecureTransport``) would deny every request. The model records the document;
read it with :func:`bucket_policy`.
"""

from __future__ import annotations

import copy
from typing import Any

from ..moto_helpers.cfn_models import Context, Created, Properties, cfn_model

# bucket name -> policy document, as the template wrote it
_bucket_policies: dict[str, dict[str, Any]] = {}


def bucket_policy(bucket_name: str) -> dict[str, Any] | None:
    """The policy document a stack attached to a bucket (not enforced locally), or None."""
    document = _bucket_policies.get(bucket_name)
    return copy.deepcopy(document) if document is not None else None


def _create(props: Properties, cfn: Context) -> Created:
    state = {"bucket": props["Bucket"], "document": props["PolicyDocument"]}
    _bucket_policies[state["bucket"]] = state["document"]
    return Created(cfn.name, state=state)


def _delete(created: Created, account_id: str, region_name: str) -> None:
    bucket = created.state["bucket"]
    if _bucket_policies.get(bucket) is created.state["document"]:
        del _bucket_policies[bucket]


S3BucketPolicy = cfn_model("AWS::S3::BucketPolicy", _create, delete=_delete)

MODELS = (S3BucketPolicy,)
