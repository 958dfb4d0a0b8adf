"""Wiring only: the Chalice app, its blueprints, the middleware that authenticates requests and
makes writes safe to retry, and the scheduled jobs.

Routes and middleware are registered from the committed route table as stand-ins that import
their module on first use (chalicelib/api/wiring.py, decision 0046): a cold start imports neither
pydantic nor the domain, and each request imports what it uses."""

from chalice.app import Chalice

import chalicelib.runtime.snapstart  # noqa: F401  (SnapStart's hooks, decision 0043)
from chalicelib.api.wiring import lazy_middleware, register_routes
from chalicelib.jobs.handlers import jobs

API = "/api/v1"

app = Chalice(app_name="invoicing")
# Multipart uploads arrive intact (API Gateway base64-encodes them); PDFs leave as bytes.
app.api.binary_types.extend(["multipart/form-data", "application/pdf"])
# Registration order is nesting order: each request is logged and counted around everything
# else (decision 0045); authentication runs next and names the tenant.
observed = lazy_middleware("chalicelib.api.observability", "observed_requests")
authenticated = lazy_middleware("chalicelib.api.security", "authenticated_requests")
idempotent = lazy_middleware("chalicelib.api.idempotency", "idempotent_writes")
for middleware in (observed, authenticated, idempotent):
    app.register_middleware(middleware, "http")
register_routes(app, "chalicelib.api.health")
register_routes(app, "chalicelib.api.spec")
register_routes(app, "chalicelib.api.reference")
register_routes(app, "chalicelib.api.invoices", url_prefix=API)
register_routes(app, "chalicelib.api.batches", url_prefix=API)
register_routes(app, "chalicelib.api.clients", url_prefix=API)
register_routes(app, "chalicelib.api.contracts", url_prefix=API)
register_routes(app, "chalicelib.api.documents", url_prefix=API)
register_routes(app, "chalicelib.api.delivery", url_prefix=API)
register_routes(app, "chalicelib.api.lifecycle", url_prefix=API)
register_routes(app, "chalicelib.api.credit_notes", url_prefix=API)
register_routes(app, "chalicelib.api.credit_note_lists", url_prefix=API)
register_routes(app, "chalicelib.api.einvoices", url_prefix=API)
register_routes(app, "chalicelib.api.customer_credit", url_prefix=API)
register_routes(app, "chalicelib.api.reports", url_prefix=API)
register_routes(app, "chalicelib.api.search", url_prefix=API)
register_routes(app, "chalicelib.api.settings", url_prefix=API)
register_routes(app, "chalicelib.api.api_keys", url_prefix=API)
register_routes(app, "chalicelib.api.webhooks", url_prefix=API)
# Other products' dialects, each at /compat/<vendor>/<the path its document gives>.
register_routes(app, "chalicelib.api.compat.heffl", url_prefix="/compat/heffl")
register_routes(app, "chalicelib.api.compat.hevn", url_prefix="/compat/hevn")
register_routes(app, "chalicelib.api.compat.hyperline", url_prefix="/compat/hyperline")
register_routes(app, "chalicelib.api.compat.leanpay", url_prefix="/compat/leanpay")
# The scheduled jobs and the worker that takes their queued chunks.
app.register_blueprint(jobs)
