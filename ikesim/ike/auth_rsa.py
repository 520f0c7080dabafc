"""Authentication with RSA signatures (RFC 2409 §5.1), in main mode and in aggressive mode, as a
phase-1 task; certificates come from the lab PKI (``ikesim.pki``).

    main mode   MM3 KE, Ni [, CERT_REQ]        MM4 KE, Nr [, CERT_REQ]
                MM5* IDii, [CERT,] SIG_I       MM6* IDir, [CERT,] SIG_R
    aggressive  AM1 SA, KE, Ni, IDii [, CERT_REQ]
                AM2 SA, KE, Nr, IDir, [CERT,] SIG_R [, CERT_REQ]     AM3* [CERT,] SIG_I

SKEYID = prf(Ni_b | Nr_b, g^xy) (RFC 2409 §5: no shared secret enters it); SIG_I / SIG_R are the
RSA signatures of HASH_I / HASH_R (``pki.verify.sign_hash``). A CERT_REQ names a CA by its DER
subject (RFC 2408 §3.10, encoding 4 = X.509 Certificate - Signature); the peer answers with a
certificate from that CA. The received certificate must come from a trusted CA, be valid on
*this router's* clock and name the identity the peer sent (RFC 4945 §3.1) before its key checks
the signature. Each refusal is a typed reject, never an exception.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ikesim.crypto import Skeyids, hash_i, hash_r, prf
from ikesim.ike import identity as ids
from ikesim.ike import ios_detail
from ikesim.ike.context import Context, Reject
from ikesim.ike.sa import IsakmpSa
from ikesim.isakmp import (
    CertPayload,
    CertRequestPayload,
    HashPayload,
    Header,
    IdPayload,
    Payload,
    SigPayload,
    payload_body,
)

if TYPE_CHECKING:
    from cryptography import x509

    from ikesim.pki import Credentials

# ikesim.pki (cryptography.x509) is imported when a signature is first built or checked: a lab
# with pre-shared keys never loads it (start-up, issue 14).

CERT_X509_SIGNATURE = 4        # RFC 2408 §3.9 certificate encoding
RSA_SIG = "rsa-sig"
# The messages in which a side asks for a certificate, proves itself, and checks the peer.
REQUESTS = frozenset({"MM3", "MM4", "AM1", "AM2"})
PROOFS = frozenset({"MM5", "MM6", "AM2", "AM3"})


@dataclass(frozen=True, slots=True)
class RouterPki:
    """A router's PKI material: its credentials (one per enrolled trustpoint) and its clock."""

    credentials: tuple[Credentials, ...]
    clock_at_zero: dt.datetime              # the router's calendar at simulated t = 0

    def calendar(self, now: float) -> dt.datetime:
        return self.clock_at_zero + dt.timedelta(seconds=now)

    @property
    def trusted(self) -> list[x509.Certificate]:
        return [c.authority.certificate for c in self.credentials]


@dataclass(slots=True)
class SigState:
    """Per-SA signature state: which of our credentials the peer asked for."""

    credentials: Credentials | None = None
    requested: list[bytes] = field(default_factory=list)   # CA subjects the peer named


def sig_skeyids(hash_name: str, ni: bytes, nr: bytes, gxy: bytes, cky_i: bytes,
                cky_r: bytes) -> Skeyids:
    """RFC 2409 §5: for signatures SKEYID = prf(Ni_b | Nr_b, g^xy); SKEYID_d/a/e as always."""
    tail = gxy + cky_i + cky_r
    skeyid = prf(hash_name, ni + nr, gxy)
    d = prf(hash_name, skeyid, tail + b"\x00")
    a = prf(hash_name, skeyid, d + tail + b"\x01")
    e = prf(hash_name, skeyid, a + tail + b"\x02")
    return Skeyids(skeyid, d, a, e)


def _state(sa: IsakmpSa) -> SigState:
    if not isinstance(sa.auth, SigState):
        sa.auth = SigState()
    return sa.auth


def _is_initiator_proof(message: str) -> bool:
    return message in ("MM5", "AM3")


def _hash_of(sa: IsakmpSa, message: str, ident: IdPayload) -> bytes:
    compute = hash_i if _is_initiator_proof(message) else hash_r
    return compute(sa.hash_name, sa.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.sai_b,
                   payload_body(ident))


class RsaSigTask:
    """CERT_REQ, CERT and SIG. ``with_id``: main mode, where this task also sends the ID (in
    aggressive mode the identity task does)."""

    def __init__(self, *, with_id: bool) -> None:
        self.with_id = with_id
        # main mode announces every received payload itself; aggressive mode leaves it to tasks
        self.announce = not with_id

    def _announce(self, ctx: Context, sa: IsakmpSa, name: str) -> None:
        if self.announce:
            ctx.emit(sa, "process_payload", payload=name, message_id=0)

    # ------------------------------------------------------------------ receiving
    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        if message in REQUESTS:
            self._requests(ctx, sa, payloads)
        if message in PROOFS:
            self._proof(ctx, now, sa, message, payloads)

    def _requests(self, ctx: Context, sa: IsakmpSa, payloads: list[Payload]) -> None:
        state = _state(sa)
        for p in payloads:
            if isinstance(p, CertRequestPayload):
                self._announce(ctx, sa, "CERT_REQ")
                ctx.emit(sa, "cert_request_rx", cert_type=int(p.cert_type),
                         authority=_dn_text(ctx, bytes(p.authority)))
                state.requested.append(bytes(p.authority))

    def _proof(self, ctx: Context, now: float, sa: IsakmpSa, message: str,
               payloads: list[Payload]) -> None:
        pki = ctx.pki
        ident = sa.peer_id if not self.with_id else next(
            (p for p in payloads if isinstance(p, IdPayload)), None)
        sigs = [p for p in payloads if isinstance(p, SigPayload)]
        if not isinstance(ident, IdPayload):
            raise Reject("bad_message", peer=sa.peer, reason=f"{message}: missing ID payload")
        if self.with_id:
            sa.peer_id = ident
            # the ISAKMP profile the identity matches (main mode's PSK task does the same; IOS
            # printed the lookup with the ID payload, ios_detail.announce)
            if sa.role == "R" or sa.profile is None:
                sa.profile = ios_detail.matching_profile(ctx, ident)
        certs = [p for p in payloads if isinstance(p, CertPayload)]
        for _ in certs:
            self._announce(ctx, sa, "CERT")
        if not sigs:
            raise Reject("bad_message", peer=sa.peer, reason=f"{message}: missing SIG payload")
        if any(isinstance(p, HashPayload) for p in payloads):
            raise Reject("bad_message", peer=sa.peer,
                         reason=f"{message}: unexpected HASH payload")
        if not certs:
            # guess: IOS has no cached public key of an unknown peer: it cannot check the SIG
            ctx.emit(sa, "cert_missing", peer=sa.peer)
            raise Reject("auth_failed", peer=sa.peer, method_id=3, reason="no certificate from the peer")
        cert = certs[0]
        if int(cert.encoding) != CERT_X509_SIGNATURE:
            raise Reject("bad_message", peer=sa.peer,
                         reason=f"certificate encoding {int(cert.encoding)} not supported")
        if pki is None or not pki.credentials:
            ctx.emit(sa, "cert_invalid", peer=sa.peer, reason="no trusted CA", subject="",
                     serial=0, at=None)
            raise Reject("auth_failed", peer=sa.peer, method_id=3, reason="no trusted CA")
        from ikesim.pki import verify_certificate, verify_hash

        at = pki.calendar(now)
        verdict = verify_certificate(bytes(cert.data), pki.trusted, at, int(ident.id_type),
                                     bytes(ident.data))
        ctx.emit(sa, "cert_rx", subject=verdict.subject, issuer=verdict.issuer,
                 serial=verdict.serial, encoding=int(cert.encoding))
        if not verdict.ok:
            ctx.emit(sa, "cert_invalid", peer=sa.peer, reason=verdict.reason,
                     subject=verdict.subject, serial=verdict.serial, at=at.isoformat(),
                     not_before=_iso(verdict.not_before), not_after=_iso(verdict.not_after),
                     identity=ids.PeerIdentity.of(ident).text)
            raise Reject("auth_failed", peer=sa.peer, method_id=3, reason=verdict.reason)
        assert verdict.certificate is not None
        self._announce(ctx, sa, "SIG")
        public = verdict.certificate.public_key()
        if not verify_hash(public, _hash_of(sa, message, ident), bytes(sigs[0].data)):  # type: ignore[arg-type]
            raise Reject("bad_message", peer=sa.peer,
                         reason=f"{message}: signature did not verify")
        ctx.emit(sa, "authenticated", peer=sa.peer)

    # ------------------------------------------------------------------ sending
    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        pki = ctx.pki
        if message not in PROOFS:
            # main mode's CERT_REQ follows KE and Ni (CertRequestTask); aggressive mode's AM1
            # ends with it (the auth task is built last there)
            return self._cert_requests(ctx, sa) if message == "AM1" else []
        from ikesim.pki import sign_hash
        from ikesim.pki.verify import name_text

        out: list[Payload] = []
        creds = self._choose(sa, pki)
        if creds is None:
            ctx.emit(sa, "no_certificate", peer=sa.peer)
            raise Reject("auth_failed", peer=sa.peer, method_id=3, reason="no certificate to send")
        if self.with_id:
            sa.local_id = ids.local_identity(ctx.crypto, sa.local)
        ident = sa.local_id
        assert isinstance(ident, IdPayload)
        if self.with_id:
            ctx.emit(sa, "auth_method", method="RSA signature",
                     id_type=ids.id_name(int(ident.id_type)))
            ios_detail.id_payload(ctx, sa, ident, sent=True, next_payload=6)   # CERT follows
            out.append(ident)
        ctx.emit(sa, "cert_tx", subject=name_text(creds.certificate.subject),
                 trustpoint=creds.trustpoint)
        out.append(CertPayload(CERT_X509_SIGNATURE, creds.der))
        out.append(SigPayload(sign_hash(creds.key, _hash_of(sa, message, ident))))
        if message == "AM2":
            out += self._cert_requests(ctx, sa)       # AM2 both proves and asks
        return out

    @staticmethod
    def _cert_requests(ctx: Context, sa: IsakmpSa) -> list[Payload]:
        """One CERT_REQ per trusted CA (RFC 2408 §3.10: the CA's DER subject)."""
        from ikesim.pki.verify import name_text

        out: list[Payload] = []
        for ca in ctx.pki.trusted if ctx.pki is not None else []:
            out.append(CertRequestPayload(CERT_X509_SIGNATURE, ca.subject.public_bytes()))
            ctx.emit(sa, "cert_request_tx", authority=name_text(ca.subject))
        return out

    @staticmethod
    def _choose(sa: IsakmpSa, pki: RouterPki | None) -> Credentials | None:
        """The credentials of the CA the peer asked for, else the first trustpoint's (IOS:
        "Choosing trustpoint X as issuer")."""
        # guess: the first configured trustpoint when the peer asked for none of ours
        if pki is None or not pki.credentials:
            return None
        state = _state(sa)
        for wanted in state.requested:
            for creds in pki.credentials:
                if creds.authority.subject_der == wanted:
                    state.credentials = creds
                    return creds
        state.credentials = pki.credentials[0]
        return state.credentials


def _dn_text(ctx: Context, der: bytes) -> str:
    """The CA a CERT_REQ names, as text when it is one this router knows (``cryptography`` has
    no public parser for a bare DER name), else its hex."""
    from ikesim.pki.verify import name_text

    for ca in ctx.pki.trusted if ctx.pki is not None else []:
        if ca.subject.public_bytes() == der:
            return name_text(ca.subject)
    return der.hex()


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat() if value is not None else ""


class CertRequestTask:
    """Main mode with signatures: the CERT_REQ that follows KE and Ni in MM3 and MM4 (RFC 2409
    §5.1: "HDR, KE, Ni [, CERT_REQ]"), built after the key-exchange task."""

    PROCESSES, BUILDS = frozenset(), frozenset({"MM3", "MM4"})

    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        return None                      # received CERT_REQs are read by RsaSigTask

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        if message in ("MM3", "MM4") and sa.negotiated is not None \
                and sa.negotiated.authentication == RSA_SIG:
            return RsaSigTask._cert_requests(ctx, sa)
        return []
