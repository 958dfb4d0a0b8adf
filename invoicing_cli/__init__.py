"""The `invoicing` command: the local stack and developer tools. Not shipped to Lambda."""
