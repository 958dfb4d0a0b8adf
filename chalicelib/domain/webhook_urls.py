"""Where a webhook may be sent: an https URL whose host resolves to public addresses only, so that
no tenant can make the app call into its own network (AWS's metadata service, a VPC endpoint, a
neighbour's port). Checked when an endpoint is registered and again before each attempt, on the
addresses the attempt then connects to. The local stack also sends to its own loopback over http.

Pure: the addresses come from the caller (a resolver port), so tests pin them."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from chalicelib.domain.errors import FieldProblem, InvalidInputError

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# NAT64's well-known prefix (RFC 6052) reaches the IPv4 address it embeds.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UrlRefusedError(InvalidInputError):
    """A URL a webhook may not be sent to; the reason names what is wrong with it."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__([FieldProblem("url", reason)])


@dataclass(frozen=True)
class WebhookUrl:
    scheme: str  # "https", or "http" to the local stack's loopback
    host: str  # as written, lower case: the name TLS checks and the Host header sends
    port: int
    target: str  # the path and query, as sent in the request line

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def parsed_url(text: str, *, local: bool) -> WebhookUrl:
    """The URL's parts, or UrlRefusedError: https only (http to 127.0.0.1 or localhost when
    `local`), no user name or password, no fragment."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UrlRefusedError(f"is not a URL: {exc}") from None
    host = (parts.hostname or "").lower()
    if not host:
        raise UrlRefusedError("must be an absolute URL with a host, such as https://example.com/")
    loopback = local and host in LOOPBACK_HOSTS
    if parts.scheme != "https" and not (loopback and parts.scheme == "http"):
        allowed = "https (or http to 127.0.0.1 or localhost)" if local else "https"
        raise UrlRefusedError(f"must use {allowed}")
    if parts.username is not None or parts.password is not None:
        raise UrlRefusedError("must not carry a user name or password")
    if parts.fragment or text.endswith("#"):
        raise UrlRefusedError("must not carry a fragment (#...)")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in text):
        raise UrlRefusedError("must not contain spaces or control characters")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default = 443 if parts.scheme == "https" else 80
    return WebhookUrl(parts.scheme, host, port or default, target)


def literal_address(url: WebhookUrl) -> str | None:
    """The address a URL names itself (an IP literal), which needs no resolving."""
    try:
        return str(ipaddress.ip_address(url.host))
    except ValueError:
        return "127.0.0.1" if url.host == "localhost" else None


def address_to_use(url: WebhookUrl, addresses: Sequence[str], *, local: bool) -> str:
    """The address to connect to, of those the host resolved to: every one must be allowed
    (another answer to the same name could name a refused one), or UrlRefusedError."""
    if not addresses:
        raise UrlRefusedError(f"its host {url.host} does not resolve to any address")
    loopback = local and url.host in LOOPBACK_HOSTS
    for address in addresses:
        problem = None if loopback and _is_loopback(address) else address_problem(address)
        if problem is not None:
            raise UrlRefusedError(f"its host {url.host} resolves to {address}, {problem}")
    return addresses[0]


def address_problem(text: str) -> str | None:
    """Why a webhook may not go to this address, or None for a public one."""
    try:
        address: IpAddress = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return "which is not an IP address"
    for inner in _embedded(address):
        if (problem := _problem(inner)) is not None:
            return problem
    return _problem(address)


def _embedded(address: IpAddress) -> list[IpAddress]:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), which is what it reaches."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    inner = [address.ipv4_mapped, address.sixtofour]
    if address in _NAT64:
        inner.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.teredo is not None:
        inner.append(address.teredo[1])
    return [a for a in inner if a is not None]


def _problem(address: IpAddress) -> str | None:
    checks = (
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a public address"),
    )
    return next((f"which is {what}" for refused, what in checks if refused), None)


def _is_loopback(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False
