"""The orders service: ``api_handler`` places and shows orders (REST), ``tracker_handler``
records every event of an order as it arrives and decides the order's outcome."""
