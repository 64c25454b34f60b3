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

from .base import ResourceJson, SimpleModel

# bucket name -> policy document, as the template wrote it
_bucket_policies: dict[str, dict[str, Any]] = {}


def bucket_policy(bucket_name: str) -> dict[str, Any] | None:
    """The policy document a stack attached to a bucket (not enforced locally), or None."""
    document = _bucket_policies.get(bucket_name)
    return copy.deepcopy(document) if document is not None else None


class S3BucketPolicy(SimpleModel):
    bucket: str
    document: dict[str, Any]

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: ResourceJson,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> S3BucketPolicy:
        props = cloudformation_json["Properties"]
        model = cls(resource_name)
        model.bucket = props["Bucket"]
        model.document = props["PolicyDocument"]
        _bucket_policies[model.bucket] = model.document
        return model

    def delete(self, account_id: str, region_name: str) -> None:
        if _bucket_policies.get(self.bucket) is self.document:
            del _bucket_policies[self.bucket]


MODELS = (S3BucketPolicy,)
