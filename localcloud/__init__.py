"""Local, docker-free runtime: deploys the synthesized templates (cdk.out) into an
in-process AWS emulator (moto) and runs them."""

from .deployer import Deployer, read_assembly
from .emulator import DEFAULT_PORT, Emulator

__all__ = ["DEFAULT_PORT", "Deployer", "Emulator", "read_assembly"]
