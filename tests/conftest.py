"""Shared test set-up: the jsii runtime stays quiet about Node 20."""

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
