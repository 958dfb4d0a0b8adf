"""Wiring only: the Chalice app, its blueprints and the middleware that authenticates requests."""

from chalice.app import Chalice

from chalicelib.api.health import health
from chalicelib.api.invoices import invoices
from chalicelib.api.security import authenticated_requests

app = Chalice(app_name="invoicing")
app.register_middleware(authenticated_requests, "http")
app.register_blueprint(health)
app.register_blueprint(invoices, url_prefix="/api/v1")
