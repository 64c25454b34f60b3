"""The reference architectures, each one construct a stack (yours or ours) can hold."""

from .hello_world import HelloWorld
from .image_processing import ImageProcessing
from .order_flow import OrderFlow
from .registration_workflow import RegistrationWorkflow
from .rest_microservice import RestMicroservice
from .stream_processing import StreamProcessing
from .web_application import WebApplication

__all__ = [
    "HelloWorld",
    "ImageProcessing",
    "OrderFlow",
    "RegistrationWorkflow",
    "RestMicroservice",
    "StreamProcessing",
    "WebApplication",
]
