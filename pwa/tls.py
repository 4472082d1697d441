"""A self-signed HTTPS set-up for trying the app on a real tablet on the LAN (`HTTPS=1 HOST=0.0.0.0 make run`).

Service workers and the camera need a secure context on any host but localhost. This makes a small certificate
authority once (instance/tls/ca.crt, to install on the tablet) and a server certificate it signs for this
machine's names and addresses, renewed when they change. A real ward network uses a TLS reverse proxy instead.
"""
from __future__ import annotations

import ipaddress
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
# Browsers refuse server certificates valid for more than 398 days, even from a CA the user installed.
SERVER_DAYS = 397


def local_names() -> tuple[list[str], list[str]]:
    """This machine's host names and IP addresses, as a tablet on the same network may reach it."""
    names = {"localhost", socket.gethostname(), socket.getfqdn()}
    addresses = {"127.0.0.1", "::1"}
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            addresses.add(info[4][0])
    except OSError:
        pass
    try:  # the address of the interface that routes outwards; nothing is sent
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            addresses.add(probe.getsockname()[0])
    except OSError:
        pass
    return sorted(n for n in names if n), sorted(addresses)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ward Supply (self-signed, for trying out)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate_authority(folder: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path, key_path = folder / "ca.crt", folder / "ca.key"
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return x509.load_pem_x509_certificate(cert_path.read_bytes()), key
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(timezone.utc)
    name = _name(f"Ward Supply local CA ({socket.gethostname()})")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _covers(cert_path: Path, names: list[str], addresses: list[str]) -> bool:
    if not cert_path.exists():
        return False
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    if cert.not_valid_after_utc < datetime.now(timezone.utc) + timedelta(days=7):
        return False
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    have_names = set(san.get_values_for_type(x509.DNSName))
    have_addresses = {str(a) for a in san.get_values_for_type(x509.IPAddress)}
    return set(names) <= have_names and set(addresses) <= have_addresses


def self_signed_certificate(instance_path: Path, extra_hosts: list[str] | None = None) -> tuple[Path, Path]:
    """The (certificate, key) paths to serve HTTPS with, made or renewed under instance/tls/."""
    folder = Path(instance_path) / "tls"
    folder.mkdir(parents=True, exist_ok=True)
    names, addresses = local_names()
    for host in extra_hosts or []:
        try:
            addresses.append(str(ipaddress.ip_address(host)))
        except ValueError:
            names.append(host)
    names, addresses = sorted(set(names)), sorted(set(addresses))
    cert_path, key_path = folder / "server.crt", folder / "server.key"
    if _covers(cert_path, names, addresses) and key_path.exists():
        return cert_path, key_path
    ca_cert, ca_key = _certificate_authority(folder)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(timezone.utc)
    alternatives = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    cert = (x509.CertificateBuilder().subject_name(_name(socket.gethostname())).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=SERVER_DAYS))
            .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
