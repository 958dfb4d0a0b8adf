"""Other invoicing products' use cases, each carried out by the native services."""
