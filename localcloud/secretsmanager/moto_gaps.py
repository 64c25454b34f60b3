"""Secrets Manager secrets in CloudFormation.

Gap: moto 5.2.5 has no CloudFormation model for ``AWS::SecretsManager::Secret``
(moto/secretsmanager/models.py: ``FakeSecret`` is a plain ``BaseModel``), so a stack skips it
and ``Ref`` of the secret (its ARN) resolves to nothing: a grant on it is a policy statement
without a resource, which fails the stack. The model below creates the secret in moto's
backend with the template's ``SecretString`` or, for ``GenerateSecretString``, a value made
as Secrets Manager makes one (length, excluded characters, a JSON template with the generated
key); ``Ref`` is its ARN, ``Fn::GetAtt Id`` too. Deleting the stack deletes it at once.
"""

from __future__ import annotations

import json
from typing import Any

from moto.secretsmanager.models import secretsmanager_backends
from moto.secretsmanager.utils import random_password

from ..moto_helpers.cfn_models import Context, Created, Properties, cfn_model, tags_to_dict


def generated_value(spec: dict[str, Any]) -> str:
    """The value ``GenerateSecretString`` describes."""
    password = random_password(
        int(spec.get("PasswordLength", 32)),
        str(spec.get("ExcludeCharacters", "")),
        bool(spec.get("ExcludeNumbers", False)),
        bool(spec.get("ExcludePunctuation", False)),
        bool(spec.get("ExcludeUppercase", False)),
        bool(spec.get("ExcludeLowercase", False)),
        bool(spec.get("IncludeSpace", False)),
        bool(spec.get("RequireEachIncludedType", True)),
    )
    template, key = spec.get("SecretStringTemplate"), spec.get("GenerateStringKey")
    if template and key:
        document = json.loads(template)
        document[key] = password
        return json.dumps(document)
    return password


def _secret(props: Properties, cfn: Context) -> Created:
    backend = secretsmanager_backends[cfn.account_id][cfn.region_name]
    name = props.get("Name") or f"{cfn.logical_id}-{cfn.stack_id.rsplit('/', 1)[-1][:8]}"
    value = props.get("SecretString")
    if value is None and isinstance(props.get("GenerateSecretString"), dict):
        value = generated_value(props["GenerateSecretString"])
    tags = tags_to_dict(props.get("Tags"))
    created = json.loads(
        backend.create_secret(
            name=name,
            secret_string=value,
            secret_binary=None,
            description=props.get("Description"),
            tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            kms_key_id=props.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
    )
    arn = created["ARN"]
    return Created(arn, {"Id": arn}, {"arn": arn})


def _delete(created: Created, account_id: str, region_name: str) -> None:
    backend = secretsmanager_backends[account_id][region_name]
    backend.delete_secret(
        created.state["arn"], recovery_window_in_days=None, force_delete_without_recovery=True
    )


SecretsManagerSecret = cfn_model(
    "AWS::SecretsManager::Secret",
    _secret,
    name_property="Name",
    attributes=("Id",),
    delete=_delete,
)

MODELS = [SecretsManagerSecret]
