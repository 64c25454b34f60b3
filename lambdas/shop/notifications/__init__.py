"""The notifications service ("Mensaje"): tells the customer how their order went, through an
SNS topic (e-mail, and in dev an inbox queue for demos and tests)."""
