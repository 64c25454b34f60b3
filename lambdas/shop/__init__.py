"""The shop's order flow (the seed's "Diseño impulsado por eventos"): services that share nothing
but the events on one EventBridge bus, as described in ``events/catalogue/``.

- ``orders``: the REST API that places orders and shows them, and the tracker that records
  every event of an order and decides its outcome;
- ``payments`` ("Pago"), ``inventory`` ("Inventario"), ``notifications`` ("Mensaje"): the
  consumers, each of which may emit events of its own.

Each Lambda function ships this whole package and runs one ``*handler`` module of it.
"""
