"""Where a webhook may go (domain/webhook_urls.py): https to public addresses only, every address
the host resolves to checked, IPv6 forms of refused IPv4 addresses refused too; the local stack
may also use http to its own loopback."""

from __future__ import annotations

import pytest

from chalicelib.domain.webhook_urls import (
    UrlRefusedError,
    WebhookUrl,
    address_problem,
    address_to_use,
    parsed_url,
)

PUBLIC = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "1.1.1.1"]
REFUSED = {
    "10.0.0.7": "private",
    "172.16.3.4": "private",
    "192.168.1.1": "private",
    "100.64.0.1": "not a public",  # carrier-grade NAT
    "127.0.0.1": "loopback",
    "127.9.9.9": "loopback",
    "0.0.0.0": "unspecified",  # noqa: S104 - refused, not bound
    "169.254.169.254": "link-local",  # the instance metadata service
    "224.0.0.251": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "reserved",
    "::1": "loopback",
    "::": "unspecified",
    "fe80::1": "link-local",
    "fe80::1%eth0": "link-local",
    "fc00::1": "private",
    "fd12:3456::1": "private",
    "ff02::1": "multicast",
    "::ffff:10.0.0.1": "private",  # IPv4-mapped
    "::ffff:127.0.0.1": "loopback",
    "::ffff:169.254.169.254": "link-local",
    "2002:a00:1::": "private",  # 6to4 of 10.0.0.1
    "64:ff9b::a9fe:a9fe": "link-local",  # NAT64 of 169.254.169.254
    "2001:db8::1": "private",  # documentation
    "not-an-address": "not an IP address",
}


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_address_is_allowed(address: str) -> None:
    assert address_problem(address) is None


@pytest.mark.parametrize(("address", "why"), REFUSED.items())
def test_a_private_loopback_link_local_or_special_address_is_refused(
    address: str, why: str
) -> None:
    problem = address_problem(address)
    assert problem is not None and why in problem


def test_an_https_url_is_taken_apart_as_sent() -> None:
    assert parsed_url("https://Hooks.Example.com/in?x=1", local=False) == WebhookUrl(
        "https", "hooks.example.com", 443, "/in?x=1"
    )
    url = parsed_url("https://[2606:2800::1]:8443", local=False)
    assert (url.host, url.port, url.target, url.host_header) == (
        "2606:2800::1",
        8443,
        "/",
        "[2606:2800::1]:8443",
    )


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/", "must use https"),
        ("ftp://hooks.example.com/", "must use https"),
        ("hooks.example.com/in", "absolute URL"),
        ("https:///in", "absolute URL"),
        ("https://user:pw@hooks.example.com/", "user name"),
        ("https://hooks.example.com/#top", "fragment"),
        ("https://hooks.example.com:99999/", "not a URL"),
        ("https://hooks.example.com/a b", "spaces"),
        ("http://127.0.0.1:8080/", "must use https"),  # not on a deployed stage
    ],
)
def test_a_url_a_webhook_may_not_use_is_refused_naming_the_field(url: str, why: str) -> None:
    with pytest.raises(UrlRefusedError) as refused:
        parsed_url(url, local=False)
    assert why in refused.value.reason
    assert [problem.field for problem in refused.value.problems] == ["url"]


def test_every_address_the_host_resolves_to_must_be_public() -> None:
    url = parsed_url("https://hooks.example.com/", local=False)
    assert address_to_use(url, ["93.184.215.14", "1.1.1.1"], local=False) == "93.184.215.14"
    with pytest.raises(UrlRefusedError, match=r"resolves to 10\.0\.0\.7"):
        address_to_use(url, ["93.184.215.14", "10.0.0.7"], local=False)
    with pytest.raises(UrlRefusedError, match="does not resolve"):
        address_to_use(url, [], local=False)


def test_the_local_stack_also_sends_over_http_to_its_own_loopback_only() -> None:
    for text in ("http://127.0.0.1:8123/hook", "http://localhost:8123/hook"):
        url = parsed_url(text, local=True)
        assert address_to_use(url, ["127.0.0.1"], local=True) == "127.0.0.1"
    with pytest.raises(UrlRefusedError, match="must use https"):
        parsed_url("http://hooks.example.com/", local=True)
    with pytest.raises(UrlRefusedError, match="private"):
        address_to_use(parsed_url("https://intranet/", local=True), ["10.0.0.7"], local=True)
