"""The registry of moto's gaps: each service package registers its own, the emulator applies
them all.

A service package calls :func:`register` when it is imported, with the function that patches
moto's classes for that service and the CloudFormation models it adds. ``Emulator.start``
calls :func:`apply`. This module knows no service, so that the shared pieces never import
one (DESIGN.md, "Which way imports run"); importing ``localcloud`` imports every service
package (``localcloud/services.py``), so whatever starts an emulator gets every gap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from moto.core.common_models import CloudFormationModel

from . import model_lookup, version

Patch = Callable[[], None]

_lock = threading.Lock()
_patches: list[Patch] = []
_applied = False


def register(patch: Patch | None = None, models: Iterable[type[CloudFormationModel]] = ()) -> None:
    """Add a service's fixes: ``patch`` changes moto's classes once, ``models`` go in front of
    moto's model lookup. A service registered after :func:`apply` is patched at once, so the
    order of imports cannot leave a gap open."""
    model_lookup.register(models)
    if patch is None:
        return
    with _lock:
        _patches.append(patch)
        if _applied:
            patch()


def apply() -> None:
    """Install every registered fix; idempotent. Raises :class:`~.version.MotoVersionError`
    on any moto but the pinned one, before touching anything."""
    global _applied  # noqa: PLW0603  (one process-wide switch: moto's classes are global too)
    version.check()
    with _lock:
        if _applied:
            return
        for patch in _patches:
            patch()
        model_lookup.patch()
        _applied = True
