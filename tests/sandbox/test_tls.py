"""`sandbox.tls.self_signed_context`: a server context for 127.0.0.1 and localhost, TLS 1.2 at
least, valid one day, whose private key is not left on disk."""

from __future__ import annotations

import ipaddress
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509

from sandbox.tls import VALIDITY, self_signed_context


def test_the_certificate_names_the_loopback_address_and_localhost(tmp_path: Path) -> None:
    context, pem = self_signed_context(str(tmp_path))
    certificate = x509.load_pem_x509_certificate(pem.encode())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.IPv4Address("127.0.0.1")]
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


def test_it_is_valid_now_and_for_one_day(tmp_path: Path) -> None:
    _, pem = self_signed_context(str(tmp_path))
    certificate = x509.load_pem_x509_certificate(pem.encode())
    now = datetime.now(UTC)
    assert certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc
    assert certificate.not_valid_after_utc - now <= VALIDITY
    assert timedelta(days=1) == VALIDITY


def test_the_key_is_not_left_on_disk_and_not_in_what_is_returned(tmp_path: Path) -> None:
    _, pem = self_signed_context(str(tmp_path))
    assert list(tmp_path.iterdir()) == [], "the private directory is removed once loaded"
    assert "PRIVATE KEY" not in pem


def test_a_client_trusting_the_certificate_accepts_it_and_each_start_makes_a_new_one(
    tmp_path: Path,
) -> None:
    _, first = self_signed_context(str(tmp_path))
    _, second = self_signed_context(str(tmp_path))
    assert first != second
    client = ssl.create_default_context(cadata=first)
    assert client.get_ca_certs()[0]["subject"] == ((("commonName", "qs-embed local emulator"),),)
