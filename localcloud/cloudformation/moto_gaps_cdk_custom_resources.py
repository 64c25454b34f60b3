"""CDK's own custom resources, done in-process: bucket deployment and auto-delete objects.

Gap: moto sends every ``Custom::`` type to ``CustomModel`` (moto/cloudformation/parsing.py:
275-276), which invokes the ``ServiceToken`` Lambda in a thread and leaves the resource
pending until the function calls back (moto/cloudformation/custom_model.py:52-91). CDK's
providers need the AWS CLI layer (``Custom::CDKBucketDeployment``) or Node.js
(``Custom::S3AutoDeleteObjects``), and moto runs Lambda code only in Docker, so the stack
would never complete. The models below do the providers' work against moto's S3 backend:
- ``Custom::CDKBucketDeployment``: unzip each source into the destination bucket (with a
  content type per file), replacing the deploy-time markers (e.g. the API URL that
  ``Source.json_data`` writes into a config file), then prune what the sources lack.
- ``Custom::S3AutoDeleteObjects``: nothing on create; empties the bucket on delete, so the
  bucket itself can go (moto keeps a non-empty bucket: moto/s3/models.py:2036-2040).
"""

from __future__ import annotations

import io
import mimetypes
import uuid
import zipfile
from typing import Any

from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from ..moto_helpers.cfn_models import Context, Created, Properties, cfn_model


def _s3(account_id: str, region_name: str) -> Any:
    return s3_backends[account_id][get_partition(region_name)]


def _is_true(value: Any) -> bool:
    # Custom resource properties arrive as strings ("true"/"false").
    return str(value).lower() != "false"


def _bucket_deployment(props: Properties, cfn: Context) -> Created:
    s3 = _s3(cfn.account_id, cfn.region_name)
    bucket = props["DestinationBucketName"]
    prefix = props.get("DestinationBucketKeyPrefix", "")
    markers = props.get("SourceMarkers") or [{} for _ in props["SourceObjectKeys"]]
    written: list[str] = []
    for source_bucket, source_key, source_markers in zip(
        props["SourceBucketNames"], props["SourceObjectKeys"], markers, strict=True
    ):
        archive = s3.get_object(source_bucket, source_key).value
        if not _is_true(props.get("Extract", "true")):
            key = prefix + source_key.rsplit("/", 1)[-1]
            s3.put_object(bucket, key, archive)
            written.append(key)
            continue
        with zipfile.ZipFile(io.BytesIO(archive)) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                body = zf.read(info)
                for marker, value in source_markers.items():
                    body = body.replace(marker.encode(), str(value).encode())
                key = prefix + info.filename
                obj = s3.put_object(bucket, key, body)
                content_type = mimetypes.guess_type(info.filename)[0] or "application/octet-stream"
                obj.set_metadata({"Content-Type": content_type})
                written.append(key)
    if _is_true(props.get("Prune", "true")):
        for stale in [
            k for k in s3.get_bucket(bucket).keys if k.startswith(prefix) and k not in written
        ]:
            s3.delete_object(bucket, stale)
    return Created(
        f"aws.cdk.s3deployment.{uuid.uuid4()}",
        {
            "DestinationBucketArn": f"arn:{get_partition(cfn.region_name)}:s3:::{bucket}",
            "SourceObjectKeys": props["SourceObjectKeys"],
        },
    )


def _auto_delete_objects(props: Properties, cfn: Context) -> Created:
    return Created(cfn.name, state={"bucket": props["BucketName"]})


def _empty_bucket(created: Created, account_id: str, region_name: str) -> None:
    s3 = _s3(account_id, region_name)
    bucket = created.state["bucket"]
    for key in list(s3.get_bucket(bucket).keys):
        s3.delete_object(bucket, key)


# Custom resources: any ``Fn::GetAtt`` is allowed; unknown ones resolve to None.
CdkBucketDeployment = cfn_model("Custom::CDKBucketDeployment", _bucket_deployment)
CdkS3AutoDeleteObjects = cfn_model(
    "Custom::S3AutoDeleteObjects", _auto_delete_objects, delete=_empty_bucket
)

MODELS = (CdkBucketDeployment, CdkS3AutoDeleteObjects)
