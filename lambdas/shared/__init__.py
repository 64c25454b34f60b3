"""Handler pieces the JSON APIs here need, written once: request bodies parsed strictly and
checked against the JSON schemas API Gateway also validates with (``validation``), the HTTP
answers of the shared errors (``http``), and, for CRUD services, the two schemas of a kind of
record (``schemas``), opaque page cursors, ids (idempotent ones too) and optimistic
concurrency's errors.

Bundled next to each handler package that asks for it (``PythonFunction(shared_packages=...)``),
so a function imports it as ``shared``. Like the handler packages it knows nothing of the
infrastructure.
"""
