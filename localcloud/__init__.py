"""Local, docker-free runtime: deploys the synthesized templates (cdk.out) into an
in-process AWS emulator (moto) and runs them."""

# Imported for what it does: every service package registers its moto gaps
# (moto_helpers.gaps), so whatever starts an Emulator gets them all.
from . import services  # noqa: F401
from .deployer import Deployer, read_assembly
from .emulator import DEFAULT_PORT, Emulator

__all__ = ["DEFAULT_PORT", "Deployer", "Emulator", "read_assembly"]
