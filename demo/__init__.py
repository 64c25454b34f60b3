"""``make demo`` (``python -m demo``): every architecture exercised once against the local
cloud, one demo step (module) per architecture; see ``__main__``."""
