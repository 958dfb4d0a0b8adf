"""How the code meets Lambda's runtime beyond the handlers: SnapStart's hooks."""
