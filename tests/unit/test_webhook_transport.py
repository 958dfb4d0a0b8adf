"""The transport (store/webhook_http.py) against a TLS server on 127.0.0.1: it connects to the
address it is given, yet speaks TLS to the endpoint's host name (SNI) and checks the certificate
against it; a certificate no public authority signed is a failed attempt, never an exception."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chalicelib.domain.webhook_urls import parsed_url
from chalicelib.store.webhook_http import Urllib3Transport

HOST = "hooks.example.com"


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, list[str | None]]]:
    """A TLS listener on 127.0.0.1 that notes the server name each client asks for."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed(tmp_path))
    asked: list[str | None] = []

    def note_name(_socket: ssl.SSLObject, name: str | None, _context: ssl.SSLContext) -> None:
        asked.append(name)

    context.sni_callback = note_name
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve() -> None:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        try:
            with context.wrap_socket(connection, server_side=True):
                pass
        except (ssl.SSLError, OSError):
            pass  # the client refused our certificate, as it should

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], asked
    thread.join(timeout=5)
    listener.close()


def test_tls_goes_to_the_address_given_names_the_host_and_refuses_an_unsigned_certificate(
    tls_server: tuple[int, list[str | None]],
) -> None:
    port, asked = tls_server
    url = parsed_url(f"https://{HOST}:{port}/in", local=False)

    attempt = Urllib3Transport().post(url, "127.0.0.1", {"webhook-id": "evt_1"}, b"{}")

    assert asked == [HOST]
    assert attempt.status is None and attempt.error is not None
    assert "CERTIFICATE_VERIFY_FAILED" in attempt.error or "certificate" in attempt.error
