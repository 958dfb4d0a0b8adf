"""Wiring only: the Chalice app, its blueprints, the middleware that authenticates requests and
makes writes safe to retry, and the scheduled jobs."""

from chalice.app import Chalice

from chalicelib.api.api_keys import api_keys
from chalicelib.api.batches import batches
from chalicelib.api.clients import clients
from chalicelib.api.compat.heffl import heffl
from chalicelib.api.compat.hevn import hevn
from chalicelib.api.compat.hyperline import hyperline
from chalicelib.api.compat.leanpay import leanpay
from chalicelib.api.contracts import contracts
from chalicelib.api.delivery import delivery
from chalicelib.api.documents import documents
from chalicelib.api.health import health
from chalicelib.api.idempotency import idempotent_writes
from chalicelib.api.invoices import invoices
from chalicelib.api.lifecycle import lifecycle
from chalicelib.api.reference import reference
from chalicelib.api.reports import reports
from chalicelib.api.search import search
from chalicelib.api.security import authenticated_requests
from chalicelib.api.settings import settings
from chalicelib.api.spec import spec
from chalicelib.jobs.handlers import jobs

app = Chalice(app_name="invoicing")
# Multipart uploads arrive intact (API Gateway base64-encodes them); PDFs leave as bytes.
app.api.binary_types.extend(["multipart/form-data", "application/pdf"])
# Registration order is nesting order: authentication runs first and names the tenant.
app.register_middleware(authenticated_requests, "http")
app.register_middleware(idempotent_writes, "http")
app.register_blueprint(health)
app.register_blueprint(spec)
app.register_blueprint(reference)
app.register_blueprint(invoices, url_prefix="/api/v1")
app.register_blueprint(batches, url_prefix="/api/v1")
app.register_blueprint(clients, url_prefix="/api/v1")
app.register_blueprint(contracts, url_prefix="/api/v1")
app.register_blueprint(documents, url_prefix="/api/v1")
app.register_blueprint(delivery, url_prefix="/api/v1")
app.register_blueprint(lifecycle, url_prefix="/api/v1")
app.register_blueprint(reports, url_prefix="/api/v1")
app.register_blueprint(search, url_prefix="/api/v1")
app.register_blueprint(settings, url_prefix="/api/v1")
app.register_blueprint(api_keys, url_prefix="/api/v1")
# Other products' dialects, each at /compat/<vendor>/<the path its document gives>.
app.register_blueprint(heffl, url_prefix="/compat/heffl")
app.register_blueprint(hevn, url_prefix="/compat/hevn")
app.register_blueprint(hyperline, url_prefix="/compat/hyperline")
app.register_blueprint(leanpay, url_prefix="/compat/leanpay")
# The scheduled jobs and the worker that takes their queued chunks.
app.register_blueprint(jobs)
