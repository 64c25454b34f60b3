"""The payments service ("Pago"): charges placed orders through a simulated gateway and refunds
cancelled ones that were charged."""
