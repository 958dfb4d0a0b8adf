"""Documents made from an invoice: its PDF and its emails."""
