"""The HTTPS certificates backbuddy makes for the home network (web/tls.py): what they say,
how long they last, that they are kept and reused, and what the local CA may vouch for."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from backbuddy.web import tls

NAMES = ["localhost", "laptop", "laptop.local"]
ADDRESSES = [ipaddress.ip_address(a) for a in ("127.0.0.1", "::1", "192.168.1.20")]
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def made(folder: Path, now: dt.datetime = NOW, **over: object) -> tls.Certificates:
    args: dict[str, object] = {"names": NAMES, "addresses": ADDRESSES, "now": now} | over
    return tls.ensure(folder, **args)  # type: ignore[arg-type]


def verify(ca: x509.Certificate, leaf: x509.Certificate, name: str, now: dt.datetime) -> None:
    """Verify `leaf` for `name` as a browser that trusts `ca` would (raises when it would not)."""
    try:
        subject: x509.verification.Subject = x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        subject = x509.DNSName(name)
    store = verification.Store([ca])
    verifier = verification.PolicyBuilder().store(store).time(now).build_server_verifier(subject)
    verifier.verify(leaf, [])


def test_the_server_certificate_names_this_machine_and_chains_to_the_ca(tmp_path: Path) -> None:
    certs = made(tmp_path)
    ca, server = load(certs.ca_cert), load(certs.server_cert)
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(sans.get_values_for_type(x509.DNSName)) == set(NAMES)
    assert set(sans.get_values_for_type(x509.IPAddress)) == set(ADDRESSES)
    eku = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    for name in ("192.168.1.20", "127.0.0.1", "laptop.local", "localhost"):
        verify(ca, server, name, NOW + dt.timedelta(days=1))
    with pytest.raises(verification.VerificationError):
        verify(ca, server, "192.168.1.99", NOW)  # an address it was not made for


def test_validity_stays_within_what_phones_accept(tmp_path: Path) -> None:
    certs = made(tmp_path)
    ca, server = load(certs.ca_cert), load(certs.server_cert)
    server_days = (server.not_valid_after_utc - server.not_valid_before_utc).days
    assert server_days <= 825  # Apple's limit for a server certificate under an installed CA
    assert server.not_valid_before_utc <= NOW < server.not_valid_after_utc
    assert ca.not_valid_after_utc >= server.not_valid_after_utc
    with pytest.raises(verification.VerificationError):
        verify(ca, server, "192.168.1.20", server.not_valid_after_utc + dt.timedelta(days=1))


def test_the_ca_may_sign_only_server_certificates_for_the_home_network(tmp_path: Path) -> None:
    certs = made(tmp_path)
    ca = load(certs.ca_cert)
    basic = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical
    assert basic.value.ca
    assert basic.value.path_length == 0
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign
    assert not usage.value.digital_signature
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    permitted = constraints.value.permitted_subtrees or []
    networks = {g.value for g in permitted if isinstance(g, x509.IPAddress)}
    assert ipaddress.ip_network("192.168.0.0/16") in networks
    assert not any(n.is_global for n in networks)
    # Were its key stolen, a certificate it signs for a public site is still refused
    # (the same kind of certificate for a home address passes: the constraint is what refuses).
    key = serialization.load_pem_private_key((tmp_path / "ca.key").read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    home = x509.IPAddress(ipaddress.ip_address("192.168.5.5"))
    verify(ca, _leaf_signed_by(key, ca, home), "192.168.5.5", NOW + dt.timedelta(days=1))
    for name, san in (
        ("bank.example.com", x509.DNSName("bank.example.com")),
        ("8.8.8.8", x509.IPAddress(ipaddress.ip_address("8.8.8.8"))),
    ):
        forged = _leaf_signed_by(key, ca, san)
        with pytest.raises(verification.VerificationError):
            verify(ca, forged, name, NOW + dt.timedelta(days=1))


def _leaf_signed_by(
    key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, san: x509.GeneralName
) -> x509.Certificate:
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "forged")]))
        .issuer_name(ca.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW)
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([san]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )


def test_private_keys_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    made(tmp_path / "tls")
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) == 0o700
    for name in ("ca.key", "server.key"):
        assert stat.S_IMODE((tmp_path / "tls" / name).stat().st_mode) == 0o600


def test_certificates_are_kept_and_reused_across_runs(tmp_path: Path) -> None:
    first = made(tmp_path)
    again = made(tmp_path, now=NOW + dt.timedelta(days=100))
    assert again.ca_fingerprint == first.ca_fingerprint
    assert again.server_fingerprint == first.server_fingerprint
    assert again.server_spki == first.server_spki


def test_a_new_address_makes_a_new_server_certificate_under_the_same_ca(tmp_path: Path) -> None:
    first = made(tmp_path)
    moved = made(tmp_path, addresses=[*ADDRESSES[:2], ipaddress.ip_address("10.0.0.7")])
    assert moved.ca_fingerprint == first.ca_fingerprint  # the phone's trust still holds
    assert moved.server_fingerprint != first.server_fingerprint
    verify(load(moved.ca_cert), load(moved.server_cert), "10.0.0.7", NOW + dt.timedelta(days=1))


def test_a_server_certificate_near_its_end_is_made_again(tmp_path: Path) -> None:
    first = made(tmp_path)
    late = NOW + dt.timedelta(days=tls.SERVER_DAYS - tls.RENEW_DAYS + 1)
    renewed = made(tmp_path, now=late)
    assert renewed.server_fingerprint != first.server_fingerprint
    assert renewed.ca_fingerprint == first.ca_fingerprint
    assert load(renewed.server_cert).not_valid_after_utc > late + dt.timedelta(days=300)


def test_an_unreadable_file_is_replaced_not_fatal(tmp_path: Path) -> None:
    first = made(tmp_path)
    (tmp_path / "ca.pem").write_text("not a certificate")
    again = made(tmp_path)
    assert again.ca_fingerprint != first.ca_fingerprint
    verify(load(again.ca_cert), load(again.server_cert), "192.168.1.20", NOW + dt.timedelta(days=1))


def test_fingerprints_and_spki_are_what_a_person_and_chromium_compare(tmp_path: Path) -> None:
    certs = made(tmp_path)
    ca_der = load(certs.ca_cert).public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(ca_der).hexdigest().upper()
    assert certs.ca_fingerprint == ":".join(digest[i : i + 2] for i in range(0, 64, 2))
    spki = (
        load(certs.server_cert)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert certs.server_spki == base64.b64encode(hashlib.sha256(spki).digest()).decode()


def test_only_home_network_addresses_are_named() -> None:
    found = tls.home_addresses()
    assert ipaddress.ip_address("127.0.0.1") in found
    assert all(tls.on_home_network(a) for a in found)
    assert not tls.on_home_network(ipaddress.ip_address("8.8.8.8"))
    assert tls.on_home_network(ipaddress.ip_address("192.168.178.5"))
