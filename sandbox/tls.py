"""A self-signed certificate for the emulator's https listener (``--https-embeds``).

The official QuickSight embedding SDK accepts https embed URLs only, so the emulator can serve
its embed pages on a second, https listener on 127.0.0.1. The certificate is made at start,
valid for 127.0.0.1 and localhost for one day, and its key never leaves the process's private
temporary directory; a browser trusts it by being given the certificate (or, in tests,
Chromium's ``--ignore-certificate-errors``).
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALIDITY = timedelta(days=1)


def self_signed_context(directory: str | None = None) -> tuple[ssl.SSLContext, str]:
    """A server TLS context for 127.0.0.1 and localhost, and its certificate (PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "qs-embed local emulator")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # ssl loads a key from files only: a private directory, removed once it is loaded.
    with tempfile.TemporaryDirectory(dir=directory) as private:
        os.chmod(private, 0o700)
        cert_file, key_file = Path(private, "cert.pem"), Path(private, "key.pem")
        cert_file.write_text(cert_pem)
        key_file.touch(mode=0o600)
        key_file.write_bytes(key_pem)
        context.load_cert_chain(cert_file, key_file)
    return context, cert_pem
