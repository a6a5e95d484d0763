"""HTTPS for the home network: a local CA and a server certificate, made here, kept, reused.

A phone's browser lets a page use the camera only in a secure context, and off this
machine that means HTTPS. No public authority can vouch for a laptop at
192.168.1.20, so backbuddy makes its own small certificate authority once (kept in
the user data folder, private keys readable by the owner only) and signs a server
certificate for this machine's names and home-network addresses with it. The phone
trusts the CA once (or accepts the warning after comparing the CA's SHA-256
fingerprint that the set-up page shows).

The CA can only vouch for home-network names: its name constraints permit private,
loopback and link-local addresses, `localhost`, `.local` names and this machine's
own name, so a copy of its key could not impersonate a public web site to a phone
that trusts it. A server certificate is made again when the machine's names or
addresses change or it nears its end; the CA is kept (the phone's trust stays valid)
unless it is missing, unreadable, near its end or does not permit a name needed.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from backbuddy.domain.errors import BackbuddyError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

CA_NAME = "backbuddy local CA"
#: The CA lasts long (the phone trusts it once); server certificates stay within the
#: 825 days Apple allows for a certificate under a CA a person installed.
CA_DAYS = 3650
SERVER_DAYS = 397
#: A certificate this close to its end is made again.
RENEW_DAYS = 30
#: The addresses the CA may vouch for: the home network, this machine, link-local.
HOME_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
)


class CertificateError(BackbuddyError):
    """The HTTPS certificate could not be made or read."""


@dataclass(frozen=True)
class Certificates:
    """Where the files are and what a person compares."""

    folder: Path
    ca_cert: Path
    server_cert: Path
    server_key: Path
    #: SHA-256 of the CA certificate, as phones and browsers show it (AB:CD:…).
    ca_fingerprint: str
    server_fingerprint: str
    #: base64 SHA-256 of the server key (Chromium's --ignore-certificate-errors-spki-list).
    server_spki: str
    names: tuple[str, ...]
    addresses: tuple[str, ...]


def default_folder() -> Path:
    """`tls/` beside the database in the user data folder."""
    import platformdirs

    return platformdirs.user_data_path("backbuddy") / "tls"


def home_addresses() -> list[IPAddress]:
    """This machine's home-network addresses (nothing is sent: a UDP socket only picks a
    route), plus loopback; public addresses are left out (the CA may not vouch for them)."""
    found: list[IPAddress] = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
    candidates: list[str] = []
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.255.255.255", 1))
        candidates.append(s.getsockname()[0])
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None):
            candidates.append(str(info[4][0]).split("%")[0])
    for text in candidates:
        with contextlib.suppress(ValueError):
            address = ipaddress.ip_address(text)
            if on_home_network(address) and address not in found:
                found.append(address)
    return found


def home_names() -> list[str]:
    """`localhost`, this machine's name and its `.local` name (mDNS), when they are usable."""
    names = ["localhost"]
    host = socket.gethostname().strip().lower().rstrip(".")
    if host and _dns_name(host) and host != "localhost":
        names.append(host)
        if "." not in host:
            names.append(f"{host}.local")
    return names


def on_home_network(address: IPAddress) -> bool:
    return any(address.version == n.version and address in n for n in HOME_NETWORKS)


def _dns_name(name: str) -> bool:
    labels = name.split(".")
    return all(label and len(label) <= 63 and label.replace("-", "").isalnum() for label in labels)


def ensure(
    folder: Path,
    names: list[str] | None = None,
    addresses: list[IPAddress] | None = None,
    now: dt.datetime | None = None,
) -> Certificates:
    """The CA and a server certificate for `names` and `addresses` in `folder`: the stored
    ones when they still serve, new ones otherwise. Raises CertificateError."""
    names = home_names() if names is None else names
    addresses = home_addresses() if addresses is None else addresses
    now = now or dt.datetime.now(dt.UTC)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        ca_key, ca = _ca(folder, names, now)
        server = _server(folder, ca_key, ca, names, addresses, now)
    except (OSError, ValueError) as err:
        raise CertificateError(f"could not make the HTTPS certificate in {folder}: {err}") from err
    spki = server.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Certificates(
        folder=folder,
        ca_cert=folder / "ca.pem",
        server_cert=folder / "server.pem",
        server_key=folder / "server.key",
        ca_fingerprint=fingerprint(ca),
        server_fingerprint=fingerprint(server),
        server_spki=base64.b64encode(_sha256(spki)).decode(),
        names=tuple(names),
        addresses=tuple(str(a) for a in addresses),
    )


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate, colon-separated upper-case hex."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def _sha256(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize()


def _load(folder: Path, stem: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None:
    cert_path, key_path = folder / f"{stem}.pem", folder / f"{stem}.key"
    if not (cert_path.exists() and key_path.exists()):
        return None
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except ValueError:
        return None  # unreadable: made again
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return None
    return key, cert


def _save(folder: Path, stem: str, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
    key_path = folder / f"{stem}.key"
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    os.chmod(key_path, 0o600)
    (folder / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _fresh(cert: x509.Certificate, now: dt.datetime) -> bool:
    return (
        cert.not_valid_before_utc <= now < cert.not_valid_after_utc - dt.timedelta(days=RENEW_DAYS)
    )


def _permits(ca: x509.Certificate, names: list[str]) -> bool:
    try:
        constraints = ca.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return False
    allowed = [
        g.value.lower() for g in constraints.permitted_subtrees or [] if isinstance(g, x509.DNSName)
    ]
    return all(any(n == a or n.endswith(f".{a}") for a in allowed) for n in names)


def _ca(
    folder: Path, names: list[str], now: dt.datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    stored = _load(folder, "ca")
    if stored is not None and _fresh(stored[1], now) and _permits(stored[1], names):
        return stored
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{CA_NAME} ({socket.gethostname()[:30]})"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "backbuddy"),
        ]
    )
    dns = sorted({"localhost", "local", *(n for n in names if n != "localhost")})
    permitted: list[x509.GeneralName] = [x509.DNSName(n) for n in dns]
    permitted += [x509.IPAddress(n) for n in HOME_NETWORKS]
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.NameConstraints(permitted, None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    _save(folder, "ca", key, cert)
    (folder / "server.pem").unlink(missing_ok=True)  # signed by the old CA: made again
    return key, cert


def _server(
    folder: Path,
    ca_key: ec.EllipticCurvePrivateKey,
    ca: x509.Certificate,
    names: list[str],
    addresses: list[IPAddress],
    now: dt.datetime,
) -> x509.Certificate:
    wanted: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    wanted += [x509.IPAddress(a) for a in addresses]
    stored = _load(folder, "server")
    if stored is not None and _fresh(stored[1], now) and stored[1].issuer == ca.subject:
        sans = stored[1].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        if set(sans) == set(wanted):
            return stored[1]
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    first = names[0] if names else str(addresses[0])
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, first)]))
        .issuer_name(ca.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(wanted), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _save(folder, "server", key, cert)
    return cert


def _usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
