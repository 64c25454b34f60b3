"""The local runtime's import rules, as DESIGN.md ("Which way imports run") and the README
("moto's gaps") state them: the shared pieces import no service package; moto's internals are
imported only by each service's ``moto_gaps.py`` and by ``moto_helpers/`` (the emulator starts
moto's server); and ``services.py`` imports every service package, so none of their gaps is
left unregistered. Read from the source, so a new module that breaks a rule fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LOCALCLOUD = Path(__file__).resolve().parents[2] / "localcloud"
SHARED = ("emulator.py", "deployer.py", "synth.py", "http_messages.py", "moto_helpers")
# What composes the services: the shared pieces must not reach it either.
COMPOSING = ("services", "cloud", "front_door", "__main__")
MOTO_SERVER = ("moto.server", "moto.core.config")
SERVICES = sorted(path.parent.name for path in LOCALCLOUD.glob("*/moto_gaps.py"))


def imported(path: Path) -> set[str]:
    """Every module or name a file imports, relative imports made absolute
    (``from . import moto_gaps`` in localcloud/s3/ is ``localcloud.s3.moto_gaps``)."""
    package = path.relative_to(LOCALCLOUD.parent).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def sources(*parts: str) -> list[Path]:
    found: list[Path] = []
    for part in parts:
        path = LOCALCLOUD / part
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def test_there_are_service_packages() -> None:
    assert {"awslambda", "apigateway", "cloudfront", "event_sources"} <= set(SERVICES)


@pytest.mark.parametrize("path", sources(*SHARED), ids=lambda p: str(p.relative_to(LOCALCLOUD)))
def test_shared_pieces_import_no_service(path: Path) -> None:
    # GIVEN a shared piece WHEN its imports are read THEN none is a service or what composes them
    forbidden = {f"localcloud.{name}" for name in (*SERVICES, *COMPOSING)}
    reached = {name for name in imported(path) if ".".join(name.split(".")[:2]) in forbidden}
    assert reached == set()


def test_moto_internals_are_imported_only_by_moto_gaps_and_moto_helpers() -> None:
    # GIVEN every module of the local runtime WHEN their moto imports are read
    outside = {
        f"{path.relative_to(LOCALCLOUD)}: {name}"
        for path in sorted(LOCALCLOUD.rglob("*.py"))
        for name in imported(path)
        if name.split(".")[0] == "moto"
        and path.name != "moto_gaps.py"
        and path.parent.name != "moto_helpers"
        and not (path.name == "emulator.py" and name.startswith(MOTO_SERVER))
    }
    # THEN there are none outside the services' moto_gaps.py and moto_helpers/
    assert outside == set()


def test_services_imports_every_service_package() -> None:
    # GIVEN the service packages (each with a moto_gaps.py) WHEN services.py's imports are read
    # THEN every one is there, so each registers its gaps whenever localcloud is imported
    registered = imported(LOCALCLOUD / "services.py")
    assert {f"localcloud.{name}" for name in SERVICES} <= registered
