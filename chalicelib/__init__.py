"""The invoicing application: everything the Lambda package ships besides app.py."""

import os

# pydantic looks for plugins in every installed distribution's entry points when it builds its
# first model (about 20 ms of a cold start or a first request); the app uses none. Set here, as
# every function's handler (app.py, chalicelib.jobs.handlers) imports this package first
# (decision 0046).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
