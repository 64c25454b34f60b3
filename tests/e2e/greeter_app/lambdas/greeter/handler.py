"""Greets whoever the event names, in the style the stack configures."""

import os

GREETING = "Hello"


def lambda_handler(event, context):
    name = event.get("name", "world")
    return {"message": f"{GREETING}, {name}!", "style": os.environ.get("GREETING_STYLE")}
