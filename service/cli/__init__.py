"""The `vmfabric` command line: a client of the REST API plus local tools (lab, simulate, serve)."""
