"""The reference architectures, each one construct a stack (yours or ours) can hold."""

from .hello_world import HelloWorld
from .order_flow import OrderFlow
from .rest_microservice import RestMicroservice

__all__ = ["HelloWorld", "OrderFlow", "RestMicroservice"]
