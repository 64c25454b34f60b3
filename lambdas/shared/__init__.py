"""Handler pieces every CRUD service here needs, written once: JSON bodies checked against JSON
schemas, opaque page cursors, ids (idempotent ones too), optimistic concurrency's errors, and
the HTTP answers those errors become.

Bundled next to each handler package that asks for it (``PythonFunction(shared_packages=...)``),
so a function imports it as ``shared``. Like the handler packages it knows nothing of the
infrastructure.
"""
