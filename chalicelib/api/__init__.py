"""HTTP: parse and validate requests, call one use case, shape the response."""
