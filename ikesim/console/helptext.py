"""The one-line descriptions IOS prints beside each keyword in ``?`` help.

The grammar decides which keywords are offered (``ikesim.ios.exec_parse``, ``ikesim.ios.config``);
this table only words them. guess: the texts are IOS 12.4's help strings as remembered from
routers and Cisco's command references, not copied from a capture in ../shared/fidelity; a
keyword missing here is listed without a description.
"""

from __future__ import annotations

# (parent keyword, keyword) -> text; the parent disambiguates words used at several places.
_BY_PARENT: dict[tuple[str, str], str] = {
    ("isakmp", "sa"): "Show ISAKMP Security Associations",
    ("ipsec", "sa"): "IPSEC SA table",
    ("isakmp", "policy"): "Show ISAKMP protection suite policy",
    ("show", "crypto"): "Encryption module",
    ("show", "ip"): "IP information",
    ("debug", "crypto"): "Cryptographic subsystem",
    ("crypto", "isakmp"): "Configure ISAKMP policy",
    ("crypto", "ipsec"): "Configure IPSEC policy",
    ("crypto", "map"): "Enter a crypto map",
    ("ip", "route"): "Establish static routes",
    ("ip", "address"): "Set the IP address of an interface",
    ("ip", "access-list"): "Named access-list",
    ("interface", "brief"): "Brief summary of IP status and configuration",
    ("clear", "crypto"): "Clear crypto subsystem",
    ("crypto", "session"): "Show crypto sessions currently established",
    ("crypto", "key"): "Long term key operations",
    ("undebug", "all"): "Enable all debugging",
    ("no", "debug"): "Debugging functions (see also 'undebug')",
    ("debug", "all"): "Enable all debugging",
    ("show", "access-lists"): "List access lists",
    ("show", "running-config"): "Current operating configuration",
}

# Longer keys win: (grandparent, parent, keyword).
_BY_PATH: dict[tuple[str, str, str], str] = {
    ("show", "ip", "interface"): "IP interface status and configuration",
    ("show", "ip", "route"): "IP routing table",
    ("show", "crypto", "isakmp"): "Show ISAKMP",
    ("show", "crypto", "ipsec"): "Show IPSEC policy",
    ("debug", "crypto", "isakmp"): "ISAKMP Key Management",
    ("debug", "crypto", "ipsec"): "IPSEC processing",
    ("clear", "crypto", "isakmp"): "Flush the ISAKMP database",
}

_BY_WORD: dict[str, str] = {
    # exec
    "clear": "Reset functions",
    "configure": "Enter configuration mode",
    "debug": "Debugging functions (see also 'undebug')",
    "ping": "Send echo messages",
    "show": "Show running system information",
    "undebug": "Disable debugging functions (see also 'debug')",
    "no": "Negate a command or set its defaults",
    "isakmp": "ISAKMP Key Management",
    "ipsec": "IPSEC processing",
    "repeat": "specify repeat count",
    "size": "specify datagram size",
    "timeout": "specify timeout interval",
    "source": "specify source address or name",
    # configuration
    "hostname": "Set system's network name",
    "interface": "Select an interface to configure",
    "ip": "Global IP configuration subcommands",
    "access-list": "Add an access list entry",
    "crypto": "Encryption module",
    "end": "Exit from configure mode",
    "exit": "Exit from the current mode",
    "shutdown": "Shutdown the selected interface",
    "description": "Interface specific description",
    "encryption": "Set encryption algorithm for protection suite",
    "encr": "Set encryption algorithm for protection suite",
    "hash": "Set hash algorithm for protection suite",
    "authentication": "Set authentication method for protection suite",
    "group": "Set the Diffie-Hellman group",
    "lifetime": "Set lifetime for ISAKMP security association",
    "set": "Set values for encryption/decryption",
    "match": "Match values from crypto map",
    "peer": "Allowed Encryption/Decryption peer",
    "transform-set": "Specify list of transform sets in priority order",
    "permit": "Specify packets to forward",
    "deny": "Specify packets to reject",
    "remark": "Access list entry comment",
    "do": "To run exec commands in config mode",
}


def help_for(path: tuple[str, ...], word: str) -> str:
    """The description of ``word`` typed after the keywords ``path``."""
    if len(path) >= 2 and (path[-2], path[-1], word) in _BY_PATH:
        return _BY_PATH[(path[-2], path[-1], word)]
    if path and (path[-1], word) in _BY_PARENT:
        return _BY_PARENT[(path[-1], word)]
    return _BY_WORD.get(word, "")
