"""The inventory service ("Inventario"): holds stock for placed orders and gives it back for
cancelled ones, fed through SQS queues (express orders first)."""
