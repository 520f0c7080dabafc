"""Vendor-ID payloads (RFC 2408 §3.16) as IOS sends and reads them, as a phase-1 task.

Which VIDs go in which message follows real IOS-XE/15.x exchanges: the initiator's MM1 carries
four NAT-T VIDs ("constructed NAT-T vendor-rfc3947 ID" … "-02", trace 04); the responder's MM2
the best NAT-T VID the initiator offered (trace 05, "constructed NAT-T vendor-rfc3947 ID");
MM3 DPD, "another IOS box" and XAUTH (trace 05's initiator); MM4 Unity, DPD and "another IOS
box" (trace 04's responder). 12.2 sends none (the seed's responder prints no VID processing).

IOS reads octet 14 of each VID as a Unity/DPD major version before naming it ("vendor ID seems
Unity/DPD but major 69 mismatch" for RFC 3947, whose octet 14 is 0x45: traces 04, 05, 07). For
the 8-octet XAUTH VID that octet lies past its end (05 and 07 print different "major" values
for the same VID).
"""

from __future__ import annotations

from ikesim.ike.context import Context
from ikesim.ike.sa import IsakmpSa
from ikesim.isakmp import HEADER_LEN, Header, Payload, PayloadType, VendorIdPayload

VENDOR_IDS: dict[str, bytes] = {
    "nat-t-rfc3947": bytes.fromhex("4a131c81070358455c5728f20e95452f"),  # RFC 3947 §3.1
    # draft-ietf-ipsec-nat-t-ike-07 / -03 / -02 ("-02\n" as IOS sends it, trace 05 "v2")
    "nat-t-07": bytes.fromhex("439b59f8ba676c4c7737ae22eab8f582"),
    "nat-t-03": bytes.fromhex("7d9419a65310ca6f2c179d9215529d56"),
    "nat-t-02": bytes.fromhex("90cb80913ebb696e086381b5ec427b1f"),
    # Cisco Unity: md5("CISCO-UNITY") with the last two octets 01 00 (libreswan vendor.c)
    "unity": bytes.fromhex("12f5f28c457168a9702d9fe274cc0100"),
    "dpd": bytes.fromhex("afcad71368a1f1c96b8696fc77570100"),            # RFC 3706 §7
    "xauth": bytes.fromhex("09002689dfd6b712"),          # draft-ietf-ipsec-isakmp-xauth
    # "Cisco IOS Device" (libreswan vendor.c: prefix 3e984048, this VID "from a Cisco 1800")
    "cisco-ios": bytes.fromhex("3e984048101e66cc659fd002b0ed3655"),
    # "Cisco IKE Fragmentation" (libreswan vendor.c); IOS does not name it: trace 07's "vendor
    # ID seems Unity/DPD but major 194 mismatch" is its octet 14 (0xC2)
    "cisco-frag": bytes.fromhex("4048b7d56ebce88525e7de7f00d6c2d3c0000000"),
    # The Linux daemons (strongSwan 5.9.8 isakmp_vendor.c, libreswan 4.10 vendorid.c):
    # fragmentation as strongSwan sends it (capability 0x80000000) and as libreswan sends it
    # (the bare 16 octets); draft-02 without the newline ("draft-ietf-ipsec-nat-t-ike-02").
    "frag-strongswan": bytes.fromhex("4048b7d56ebce88525e7de7f00d6c2d380000000"),
    "frag": bytes.fromhex("4048b7d56ebce88525e7de7f00d6c2d3"),
    "nat-t-02-nolf": bytes.fromhex("cd60464335df21f87cfdb2fc68b6a448"),
}
FRAGMENTATION = ("frag-strongswan", "frag", "cisco-frag")
NAT_T_PREFERENCE = ("nat-t-rfc3947", "nat-t-07", "nat-t-03", "nat-t-02")
_CISCO_IOS_PREFIX = bytes.fromhex("3e984048")

# VID sets (``Profile.vendor_ids``): message -> VIDs sent, in order, and the NAT-T VIDs a
# responder may choose from for MM2.
SENT: dict[str, dict[str, tuple[str, ...]]] = {
    # IOS 15.x / IOS-XE: traces 04 (initiator MM1, responder MM4) and 05 (initiator MM3).
    # guess: aggressive mode carries the VIDs main mode sends in MM3 (AM1) and MM4 (AM2),
    # without the NAT-T ones (ikesim has no NAT-T in aggressive mode).
    "15": {"MM1": NAT_T_PREFERENCE, "MM3": ("dpd", "cisco-ios", "xauth"),
           "MM4": ("unity", "dpd", "cisco-ios"),
           "AM1": ("dpd", "cisco-ios", "xauth"), "AM2": ("unity", "dpd", "cisco-ios")},
    # The older IOS peer of trace 07 (modelled as 12.4T): MM2 answers with NAT-T v2 and the
    # fragmentation VID, MM4 carries Unity, XAUTH and "another IOS box", MM6 DPD.
    # guess: its MM1/MM3 (not in the capture) are taken to be the 15.x ones.
    "12.4": {"MM1": NAT_T_PREFERENCE, "MM2+": ("cisco-frag",),
             "MM3": ("dpd", "cisco-ios", "xauth"), "MM4": ("unity", "xauth", "cisco-ios"),
             "MM6": ("dpd",), "AM1": ("dpd", "cisco-ios", "xauth"),
             "AM2": ("unity", "xauth", "cisco-ios")},
}
# strongSwan: MM1 XAuth, DPD, FRAGMENTATION, then RFC 3947 and draft-02\n (the NAT-T VIDs it
# "sends itself"); MM2 XAuth, DPD, FRAGMENTATION when the initiator announced it, and the best
# NAT-T VID received (isakmp_vendor.c build(); run A: MM1 "[ SA V V V V V ]", MM2 "[ SA V V V V
# ]"). libreswan: FRAGMENTATION and DPD (out_v1VID_set(): DPD last), then as initiator every
# NAT-T VID (nat_traversal_insert_vid(), ikev1-method both), as responder the best one received
# (ikev1_main.c; run D: MM1 carries 6 VIDs, MM2 3).
SENT["strongswan"] = {"MM1": ("xauth", "dpd", "frag-strongswan", "nat-t-rfc3947", "nat-t-02"),
                      "MM2-": ("xauth", "dpd", "frag-strongswan")}
SENT["libreswan"] = {"MM1": ("frag", "dpd", "nat-t-rfc3947", "nat-t-03", "nat-t-02",
                             "nat-t-02-nolf"),
                     "MM2-": ("frag", "dpd")}
# VIDs a responder sends only when the initiator announced the same extension (strongSwan
# sends FRAGMENTATION back only to a peer that supports it).
ECHOED = {"frag-strongswan": FRAGMENTATION}
NAT_T_CHOICES = {"15": NAT_T_PREFERENCE, "12.4": ("nat-t-02",),
                 # isakmp_vendor.c vendor_natt_ids[], "ordered by preference"
                 "strongswan": ("nat-t-rfc3947", "nat-t-03", "nat-t-02-nolf", "nat-t-02"),
                 "libreswan": ("nat-t-rfc3947", "nat-t-03", "nat-t-02", "nat-t-02-nolf")}


def natt_choice(vid_set: str, vendors: set[str], *, responder: bool) -> str | None:
    """The NAT-T VID of an exchange: the one a responder answers MM2 with (the first of its
    platform's choices the initiator offered), or, for the initiator, the one it offered that
    the responder's MM2 carries. None: no NAT-T."""
    sent = tuple(n for n in SENT.get(vid_set, {}).get("MM1", ()) if n.startswith("nat-t"))
    choices = NAT_T_CHOICES.get(vid_set, ()) if responder else sent
    return next((n for n in choices if n in vendors), None)


def classify(data: bytes) -> str:
    """The catalogue name of a received VID ("" when IOS would not recognise it)."""
    for name, vid in VENDOR_IDS.items():
        if data == vid:
            return name
    return "cisco-ios" if data.startswith(_CISCO_IOS_PREFIX) else ""


# guess: past the end of a short VID ikesim reads the octet that follows it in the message (what
# an out-of-bounds read would see); the values traces 05 and 07 show are not reproduced.
def majors(header: Header, data: bytes) -> list[int]:
    """Octet 14 of each VID payload of a plain message, read from the datagram (0 past its
    end), in payload order."""
    out: list[int] = []
    kind, pos = int(header.next_payload), HEADER_LEN
    while kind != 0 and pos + 4 <= len(data):
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if kind == PayloadType.VENDOR_ID:
            at = pos + 4 + 14
            out.append(data[at] if at < len(data) else 0)
        kind, pos = data[pos], pos + max(length, 4)
    return out


def read_vendor_ids(ctx: Context, sa: IsakmpSa, header: Header, data: bytes,
                    payloads: list[Payload]) -> None:
    """Reads the peer's VIDs of one message, announcing each as IOS does."""
    vids = [p for p in payloads if isinstance(p, VendorIdPayload)]
    if not vids:
        return
    octet = majors(header, data) if not header.encrypted else []
    for i, p in enumerate(vids):
        body = bytes(p.data)
        name = classify(body)
        sa.vendors.add(name)
        major = octet[i] if i < len(octet) else (body[14] if len(body) > 14 else 0)
        ctx.emit(sa, "process_payload", payload="VENDOR", message_id=0)
        ctx.detail(sa, "vendor_id", vendor=name, major=major)


class VendorIdTask:
    """Reads the peer's VIDs (announcing each as IOS does) and adds ours to the reply. The
    ``early`` instance runs before the proposal check (IOS announces MM1/MM2 VIDs while reading
    the SA); the late one after it (IOS walks MM1/MM2 VIDs a second time, and announces MM3/MM4
    VIDs only once the keys exist, under the new conn-id)."""

    def __init__(self, *, early: bool) -> None:
        self.early = early
        # the messages it acts on (main_mode._acting): ``process`` below returns at once for
        # the others; the early instance builds nothing
        self.PROCESSES = frozenset({"MM1", "MM2", "MM5", "MM6"} if early
                                   else {"MM1", "MM2", "MM3", "MM4"})
        if early:
            self.BUILDS: frozenset[str] = frozenset()

    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        # early: MM1/MM2 (read with the SA) and MM5/MM6 (in payload order, before the HASH is
        # verified: trace 07 prints MM6's DPD VID before "SA authentication status"); late:
        # MM1/MM2 a second time (15.x/IOS-XE only) and MM3/MM4
        inline = message in ("MM1", "MM2", "MM5", "MM6")
        again = message in ("MM1", "MM2") and ctx.profile.fsm_events
        if (self.early and not inline) or (not self.early and inline and not again):
            return
        read_vendor_ids(ctx, sa, header, data, payloads)

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        vid_set = ctx.profile.vendor_ids
        if self.early or not vid_set:
            return []
        names = SENT[vid_set].get(message, ())
        if message == "MM2":
            first = tuple(n for n in SENT[vid_set].get("MM2-", ())
                          if n not in ECHOED or sa.vendors.intersection(ECHOED[n]))
            chosen = natt_choice(vid_set, sa.vendors, responder=True)
            names = first + ((chosen,) if chosen else ()) + SENT[vid_set].get("MM2+", ())
        if not getattr(ctx.crypto, "nat_transparency", True):
            # `no crypto ipsec nat-transparency udp-encapsulation`: no NAT-T VIDs (RFC 3947 §3.1
            # is what announces the capability)
            names = tuple(n for n in names if not n.startswith("nat-t"))
        for name in names:
            ctx.detail(sa, "vendor_id_sent", vendor=name)
        return [VendorIdPayload(VENDOR_IDS[name]) for name in names]
