"""The layer's content: the template's ``Layers: [Ref ...]`` is what matters to the tests."""

STYLES = ("plain", "formal")
