"""Other invoicing products' endpoints (api-docs/), each an adapter onto the native services."""
