"""The invoicing application: everything the Lambda package ships besides app.py."""
