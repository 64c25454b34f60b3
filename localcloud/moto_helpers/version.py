"""The moto version the moto gaps were written against, and the check that it is installed.

Every module that reaches into moto internals (private methods, model classes, backend
signatures) names the file:line it relies on in its docstring. A different moto may move or
change any of them without an error at import time, so :func:`check` refuses to patch
anything else. To upgrade: bump ``PINNED_MOTO_VERSION`` together with requirements, re-check
each module's references, and run ``tests/e2e/test_moto_gaps.py`` (and
``tests/e2e/test_moto_gaps_integrations.py``).
"""

from __future__ import annotations

from importlib import metadata

PINNED_MOTO_VERSION = "5.2.5"


class MotoVersionError(RuntimeError):
    """The installed moto is not the one the patches target."""


def installed_moto_version() -> str:
    return metadata.version("moto")


def check() -> None:
    installed = installed_moto_version()
    if installed != PINNED_MOTO_VERSION:
        raise MotoVersionError(
            f"localcloud's moto patches target moto=={PINNED_MOTO_VERSION}, but moto "
            f"{installed} is installed; install moto[server]=={PINNED_MOTO_VERSION} (as "
            "requirements pin it) or port localcloud's moto gaps to the new version"
        )
