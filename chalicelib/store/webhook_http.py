"""How a webhook reaches its receiver: the host resolved once by the system's resolver, then one
POST to the address that was checked (domain/webhook_urls.py), never to one a second lookup might
answer. TLS still checks the certificate against the host name, and sends it as SNI; short
timeouts; no redirect followed, no retry here (a retry is a new attempt, recorded); only the
answer's status is read."""

from __future__ import annotations

import socket
from collections.abc import Mapping

import urllib3

from chalicelib.domain.webhook_urls import WebhookUrl
from chalicelib.domain.webhooks import Attempt

CONNECT_SECONDS = 5.0
READ_SECONDS = 10.0


class SystemResolver:
    def resolve(self, host: str, port: int) -> list[str]:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            return []
        return list(dict.fromkeys(str(entry[4][0]) for entry in found))


class Urllib3Transport:
    """One connection per attempt: an endpoint hears from us seldom, and a pool kept across
    attempts would hold the address of an earlier lookup."""

    def post(
        self, url: WebhookUrl, address: str, headers: Mapping[str, str], body: bytes
    ) -> Attempt:
        timeout = urllib3.Timeout(connect=CONNECT_SECONDS, read=READ_SECONDS)
        pool: urllib3.HTTPConnectionPool
        if url.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address,
                url.port,
                timeout=timeout,
                retries=False,
                maxsize=1,
                server_hostname=url.host,
                assert_hostname=url.host,
                cert_reqs="CERT_REQUIRED",
            )
        else:
            pool = urllib3.HTTPConnectionPool(
                address, url.port, timeout=timeout, retries=False, maxsize=1
            )
        sent = {**headers, "Host": url.host_header}
        try:
            with pool:
                response = pool.urlopen(
                    "POST",
                    url.target,
                    body=body,
                    headers=sent,
                    redirect=False,
                    retries=False,
                    preload_content=False,
                    assert_same_host=False,
                )
                response.close()  # its body is never read: a slow one cannot hold us
                return Attempt(status=response.status)
        except urllib3.exceptions.HTTPError as exc:
            return Attempt(error=f"{type(exc).__name__}: {exc}")
        except OSError as exc:
            return Attempt(error=f"{type(exc).__name__}: {exc}")
