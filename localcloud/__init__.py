"""Local, docker-free runtime: deploys the synthesized templates (cdk.out) into an
in-process AWS emulator (moto) and runs them.

One sub-package per AWS service holds that service's runtime (if it has one) and its moto
gaps together: ``awslambda``, ``event_sources``, ``apigateway``, ``cloudfront``,
``cloudformation``, ``dynamodb``, ``s3``, ``sns``, ``sqs``, ``events``, ``firehose``,
``stepfunctions``, ``cognito``, ``cloudwatch``, ``kms``, ``ssm``, ``wafv2`` (``services.py``
lists them). Beside them, the shared pieces: the
emulator (``emulator.py``), the deployer (``deployer.py``), synthesis (``synth.py``), the HTTP
messages of the front door (``http_messages.py``) and the moto helpers (``moto_helpers/``:
version pin, gap registry, CloudFormation model base and lookup). ``front_door.py`` serves
every API and site on one port, ``cloud.py`` composes everything, ``__main__.py`` is
``make local``; ``watch.py`` reloads what changes in the project while it runs (watch mode),
and ``cdk_cli.py`` runs the CDK CLI against it (``python -m localcloud cdk ...``).

moto's internals (``moto.*`` models and backends) are imported in exactly two places: each
service's ``<service>/moto_gaps.py`` (its patches, its CloudFormation models, and the reads of
moto's backends its runtime needs) and ``moto_helpers/``. ``emulator.py`` only starts moto's
server (``moto.server``, ``moto.core.config``). moto is pinned exactly
(``moto_helpers/version.py``). Two runtimes read the moto objects their ``moto_gaps`` hands
them, attribute by attribute: the API Gateway front door (``apigateway/rest_api.py``,
``usage_plans.py``, ``validation.py``, ``authorizers.py``) and ``cloudfront/static_sites.py``;
the others get plain values (``FunctionSpec``, ``MappingState``, ``StreamRecord``).

Imports run one way: service packages use the shared pieces, never the reverse. Each service
package registers its own moto gaps when imported (``moto_helpers/gaps.py``); this package
imports every service package (``services.py``), so whatever starts an Emulator gets them all.
"""

# Imported for what it does: every service package registers its moto gaps
# (moto_helpers.gaps), so whatever starts an Emulator gets them all.
from . import services  # noqa: F401
from .deployer import Deployer, read_assembly
from .emulator import DEFAULT_PORT, Emulator

__all__ = ["DEFAULT_PORT", "Deployer", "Emulator", "read_assembly"]
