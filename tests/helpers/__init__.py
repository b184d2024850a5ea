"""What the tests share: contexts, servers, labs' checks, waiting, consoles, a clock."""
