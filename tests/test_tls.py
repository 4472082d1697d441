"""The self-signed HTTPS set-up for trying the app on a tablet: a CA to trust once, a server certificate it signs."""
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from pwa.tls import self_signed_certificate


def test_the_server_certificate_names_this_machine_and_the_host_asked_for_and_is_signed_by_the_ca(tmp_path):
    cert_path, key_path = self_signed_certificate(tmp_path, ["10.1.2.3", "ward-server.local"])
    chain = x509.load_pem_x509_certificates(cert_path.read_bytes())
    server, ca = chain[0], x509.load_pem_x509_certificate((tmp_path / "tls" / "ca.crt").read_bytes())
    assert chain[1] == ca
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"localhost", "ward-server.local"} <= set(san.get_values_for_type(x509.DNSName))
    assert {"127.0.0.1", "10.1.2.3"} <= {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    assert server.issuer == ca.subject
    ca.public_key().verify(server.signature, server.tbs_certificate_bytes, ec.ECDSA(server.signature_hash_algorithm))
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (server.not_valid_after_utc - server.not_valid_before_utc).days <= 398
    assert key_path.stat().st_mode & 0o077 == 0


def test_the_certificate_is_kept_while_it_still_covers_the_host_and_the_ca_is_never_replaced(tmp_path):
    first, _ = self_signed_certificate(tmp_path, ["10.1.2.3"])
    before = first.read_bytes()
    ca_before = (tmp_path / "tls" / "ca.crt").read_bytes()
    assert self_signed_certificate(tmp_path, ["10.1.2.3"])[0].read_bytes() == before
    assert self_signed_certificate(tmp_path, ["10.9.9.9"])[0].read_bytes() != before
    assert (tmp_path / "tls" / "ca.crt").read_bytes() == ca_before
