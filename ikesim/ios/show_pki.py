"""`show crypto pki certificates [TRUSTPOINT]` in IOS's layout (`show crypto ca certificates`
in 12.x). Real 15.x output (a lab note on GitHub, IOS certificate server CA "CA"):

    CA Certificate
      Status: Available
      Certificate Serial Number (hex): 01
      Certificate Usage: Signature
      Issuer:
        cn=CA
      Subject:
        cn=CA
      Validity Date:
        start date: 20:15:59 EET Feb 25 2021
        end   date: 20:15:59 EET Feb 25 2024
      Associated Trustpoints: VPN1

pyATS genieparser's IOS parser for the command adds the router certificate's block
("Certificate", "Certificate Usage: General Purpose", "Name: …" in the subject, "Storage:
nvram:…#1.cer"). The router's own certificate comes first, then its CA's.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.x509.oid import NameOID

from ikesim.ike.auth_rsa import RouterPki

_SHORT = {NameOID.COMMON_NAME: "cn", NameOID.ORGANIZATION_NAME: "o",
          NameOID.ORGANIZATIONAL_UNIT_NAME: "ou", NameOID.COUNTRY_NAME: "c",
          NameOID.LOCALITY_NAME: "l", NameOID.STATE_OR_PROVINCE_NAME: "st",
          NameOID.EMAIL_ADDRESS: "e", NameOID.UNSTRUCTURED_NAME: "hostname"}


def ios_date(when: dt.datetime) -> str:
    """"20:15:59 UTC Feb 25 2021" (IOS: time, zone, month, day unpadded, year)."""
    when = when.astimezone(dt.UTC)
    return f"{when:%H:%M:%S} UTC {when:%b} {when.day} {when.year}"


def _name_lines(name: x509.Name, *, holder: bool) -> list[str]:
    out: list[str] = []
    for attr in name:
        short = _SHORT.get(attr.oid)
        value = attr.value if isinstance(attr.value, str) else attr.value.hex()
        if attr.oid == NameOID.UNSTRUCTURED_NAME and holder:
            # guess: IOS lists an enrolled hostname as "Name: X" then "hostname=X" (the
            # genieparser schema has both "name" and "hostname" keys for a subject)
            out.append(f"    Name: {value}")
        out.append(f"    {short or attr.oid.dotted_string}={value}")
    return out


def _block(title: str, cert: x509.Certificate, usage: str, trustpoint: str,
           storage: str) -> list[str]:
    return [title,
            "  Status: Available",
            f"  Certificate Serial Number (hex): {cert.serial_number:02X}",
            f"  Certificate Usage: {usage}",
            "  Issuer:", *_name_lines(cert.issuer, holder=False),
            "  Subject:", *_name_lines(cert.subject, holder=title == "Certificate"),
            "  Validity Date:",
            f"    start date: {ios_date(cert.not_valid_before_utc)}",
            f"    end   date: {ios_date(cert.not_valid_after_utc)}",
            f"  Associated Trustpoints: {trustpoint}",
            f"  Storage: {storage}",
            ""]


def show_crypto_pki_certificates(pki: RouterPki | None, trustpoint: str | None = None) -> list[str]:
    lines: list[str] = []
    for creds in pki.credentials if pki is not None else ():
        if trustpoint is not None and creds.trustpoint != trustpoint:
            continue
        tp = creds.trustpoint
        lines += _block("Certificate", creds.certificate, "General Purpose", tp,
                        f"nvram:{tp}#{creds.certificate.serial_number % 0x10000:X}.cer")
        lines += _block("CA Certificate", creds.authority.certificate, "Signature", tp,
                        f"nvram:{tp}#1CA.cer")
    return lines
