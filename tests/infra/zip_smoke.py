"""Run by tests/infra as `python -I -S zip_smoke.py <unpacked zip>`: with neither the venv's
site-packages nor the repo on sys.path, only the deployment zip and the standard library, the
app imports (with every module it leaves to the first request), renders a PDF (fonts, a logo, a
payment QR code, Babel's formats), validates an IBAN and an address, builds the clients of every
AWS service it calls, and serves /docs. Prints one JSON object for the test to read."""

from __future__ import annotations

import io
import json
import os
import sys
import sysconfig
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

UNPACKED = Path(sys.argv[1]).resolve()
sys.path.insert(0, str(UNPACKED))
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "TABLE_NAME": "invoices",
        "BUCKET_NAME": "documents",
        "JOBS_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/000000000000/invoicing-jobs",
        "AUTH_JWKS_URL": "https://issuer.example/.well-known/jwks.json",
    }
)
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def render_pdfs() -> dict[str, int]:
    from PIL import Image

    from chalicelib.documents.pdf import render_invoice_pdf
    from chalicelib.domain import invoicing, transitions
    from chalicelib.domain.commands import InvoiceFields
    from chalicelib.domain.documents import InvoiceDocument
    from chalicelib.domain.numbering import InvoiceCounter
    from chalicelib.domain.parties import PartyDetails, PaymentAccount, SellerDetails
    from chalicelib.domain.settings import TenantSettings
    from chalicelib.domain.values import Actor

    actor = Actor(tenant_id="acme", user_id="alice")
    row = {"description": "Beratung „Ωμέγα“ für Łódź", "quantity": "2", "unitPrice": "125"}
    fields = InvoiceFields.model_validate({"currency": "EUR", "rows": [row | {"taxRate": "19"}]})
    draft = invoicing.new_invoice(
        fields, actor=actor, now=NOW, defaults=invoicing.InvoiceDefaults()
    )
    issuing = transitions.Issuing(InvoiceCounter(last={"2026": 1}), TenantSettings())
    sent, _ = transitions.mark_as_sent(draft, issuing, actor=actor, now=NOW)
    logo = io.BytesIO()
    Image.new("RGB", (120, 40), (30, 90, 160)).save(logo, format="PNG")
    seller = SellerDetails(
        name="Zoë Müller GmbH",
        email="rechnung@zoe-mueller.example",
        bank_accounts=[PaymentAccount(iban="DE89370400440532013000", bic="COBADEFFXXX")],
    )
    sizes = {}
    for locale in ("de-DE", "sv-SE", "el-GR", "pt-PT", "en-GB"):
        document = InvoiceDocument(
            invoice=sent,
            seller=seller,
            client=PartyDetails(name="Łukasz Wójcik"),
            locale=locale,
            logo=logo.getvalue(),
        )
        pdf = render_invoice_pdf(document)
        assert pdf.startswith(b"%PDF"), locale
        sizes[locale] = len(pdf)
    return sizes


def call(app: Any, path: str, resource: str = "", **variables: str) -> dict[str, Any]:
    """The app's answer to GET `path` (of the route `resource`), as API Gateway's proxy
    integration would ask it."""
    resource = resource or path
    event = {
        "resource": resource,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "*/*", "Host": "api.example"},
        "multiValueHeaders": {"Accept": ["*/*"], "Host": ["api.example"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": variables or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": "GET",
            "path": f"/prod{path}",
            "requestId": "smoke",
            "stage": "prod",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": None,
        "isBase64Encoded": False,
    }
    answer: dict[str, Any] = app(event, None)
    return answer


def outside_the_zip() -> list[str]:
    """Imported modules that came from neither the zip nor the standard library."""
    stdlib = {Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "platstdlib")}
    strays = []
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None)
        if not origin or name in ("__main__", "__mp_main__"):
            continue
        where = Path(origin).resolve()
        if not any(where.is_relative_to(root) for root in (UNPACKED, *stdlib)):
            strays.append(f"{name}: {where}")
    return strays


def main() -> None:
    import boto3
    from email_validator import validate_email
    from schwifty import IBAN

    import app as application
    from chalicelib.runtime import snapstart

    results: dict[str, Any] = {"pdf_bytes": render_pdfs()}
    results["iban_country"] = IBAN("DE89 3704 0044 0532 0130 00").country_code
    # As documents/mime.py asks: without the DNS lookups dnspython would make.
    results["address"] = validate_email("zoë@müller.example", check_deliverability=False).domain
    session = boto3.session.Session()
    clients = [
        session.client("dynamodb"),
        session.client("events"),
        session.client("s3"),
        session.client("ses"),
        session.client("sqs"),
    ]
    results["clients"] = [client.meta.service_model.service_name for client in clients]
    # Every route's module and the middleware, which `import app` leaves to the first request.
    snapstart.load_deferred()
    snapstart.build_clients()
    snapstart.reseed()
    page = call(application.app, "/docs")
    results["docs_status"] = page["statusCode"]
    body = page["body"]
    assets = [part.split('"')[0] for part in body.split('src="')[1:]]
    assets += [part.split('"')[0] for part in body.split('href="')[1:]]
    names = [name.rsplit("/", 1)[-1] for name in assets if name.endswith((".js", ".css"))]
    results["assets"] = {
        name: call(application.app, f"/docs/{name}", "/docs/{asset}", asset=name)["statusCode"]
        for name in names
    }
    results["outside_the_zip"] = outside_the_zip()
    sys.stdout.write(json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
