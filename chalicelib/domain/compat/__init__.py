"""Other invoicing products' shapes, translated to and from the native invoice: pure functions."""
