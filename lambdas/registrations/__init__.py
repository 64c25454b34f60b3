"""The registration workflow's functions: the API that starts and reports registrations
(``handler``) and the three checks the workflow runs in parallel (``dni_check``,
``email_check``, ``card_check``), over plain domain modules."""
