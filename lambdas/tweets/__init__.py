"""The stream processing architecture's handlers: the Kinesis consumer that stores tweets and
keeps their aggregates exactly once (``consumer``), and the read API (``api_handler``)."""
