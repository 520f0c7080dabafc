"""Writes the hostile scenario corpus (tests/hostile/<class>/*.yaml) from the cases below.

Each file starts with a header comment saying what ikesim must answer — checked by
tests/test_hostile.py against ``ikesim validate`` and ``ikesim check``:

    # hostile <class>: error at line N: <fragment of the message>
    # hostile <class>: warning at line N: <fragment of the message>
    # hostile <class>: error at files/x.cfg:N: <fragment>     (an error in a config_file)

Run ``python tests/hostile/generate.py`` after editing the cases; the output is deterministic.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent

BASE = """\
name: hostile
seed: 1
duration: 10s
routers:
  RT1:
    config: |
      hostname RT1
      interface FastEthernet0/0
       ip address 10.0.0.1 255.255.255.0
      interface FastEthernet0/1
       ip address 10.0.1.1 255.255.255.0
hosts:
  PC1: {address: 10.0.0.2/24, gateway: 10.0.0.1}
  PC2: {address: 10.0.1.2/24, gateway: 10.0.1.1}
links:
  - {a: PC1 Fa0/0, b: RT1 Fa0/0}
  - {a: RT1 Fa0/1, b: PC2 Fa0/0}
events:
  - {at: 1s, device: PC1, exec: ping 10.0.1.2 repeat 2}
"""
# Lines of BASE (before the header is added): 3 duration, 5 RT1, 6 config, 7 hostname,
# 13 PC1, 14 PC2, 16/17 links, 19 the ping event.


def sub(old: str, new: str) -> str:
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


def plus(text: str) -> str:
    return BASE + text


EXPECT = "expect:\n"

# (class, name, content (str or bytes), "error"|"warning", line in content, fragment)
CASES: list[tuple[str, str, str | bytes, str, int | str, str]] = []


def case(cls: str, name: str, content: str | bytes, line: int | str, fragment: str,
         kind: str = "error") -> None:
    """``line``: the line of ``content`` the message names (the header adds one), or
    ``"FILE:LINE"`` for a message about another file (a config_file), relative to the class
    folder."""
    CASES.append((cls, name, content, kind, line, fragment))


# -- YAML syntax ---------------------------------------------------------------------------------
Y = "yaml"
case(Y, "unclosed-flow-sequence", "name: [unclosed\nseed: 1\n", 2, "YAML syntax error")
case(Y, "unclosed-flow-mapping", sub("{address: 10.0.0.2/24, gateway: 10.0.0.1}",
                                     "{address: 10.0.0.2/24, gateway: 10.0.0.1"), 14,
     "YAML syntax error")
case(Y, "unterminated-quote", sub("name: hostile", "name: 'hostile"), 20, "YAML syntax error")
case(Y, "bad-indentation", sub("  PC2: {", " PC2: {"), 14, "YAML syntax error")
case(Y, "tab-indentation", sub("  PC2: {", "\tPC2: {"), 14, "YAML syntax error")
case(Y, "mapping-in-plain-scalar", sub("name: hostile", "name: a: b"), 1, "YAML syntax error")
case(Y, "duplicate-top-key", sub("seed: 1\n", "seed: 1\nseed: 2\n"), 3, "duplicate key 'seed'")
case(Y, "duplicate-nested-key", sub("  PC2: {", "  PC1: {"), 14, "duplicate key 'PC1'")
case(Y, "duplicate-flow-key", sub("{address: 10.0.0.2/24, gateway",
                                  "{address: 10.0.0.2/24, address: 10.0.0.3/24, gateway"), 13,
     "duplicate key 'address'")
case(Y, "sequence-as-key", sub("seed: 1", "? [a, b]\n: 1"), 2, "mapping keys must be plain")
case(Y, "mapping-as-key", sub("seed: 1", "? {a: b}\n: 1"), 2, "mapping keys must be plain")
case(Y, "two-documents", BASE + "---\nname: second\n", 20, "one YAML document")
case(Y, "empty-file", "", 0, "empty")
case(Y, "only-comments", "# nothing here\n# at all\n", 0, "empty")
case(Y, "only-document-marker", "---\n", 0, "empty")
case(Y, "null-root", "~\n", 0, "empty")
case(Y, "scalar-root", "just a string\n", 0, "must be a mapping")
case(Y, "list-root", "- name: hostile\n- seed: 1\n", 1, "must be a mapping")
case(Y, "bad-double-quote-escape", sub("name: hostile", 'name: "bad \\q escape"'), 1,
     "YAML syntax error")
case(Y, "undefined-alias", sub("seed: 1", "seed: *nowhere"), 2, "refers to no anchor")
case(Y, "recursive-alias", sub("seed: 1", "seed: &loop [1, *loop]"), 2, "refers to no anchor")
case(Y, "python-object-tag", sub("seed: 1", "seed: !!python/object/apply:os.system [id]"), 2,
     "not supported")
case(Y, "python-name-tag", sub("name: hostile", "name: !!python/name:os.system ''"), 1,
     "not supported")
case(Y, "binary-tag", sub("name: hostile", "name: !!binary aGVsbG8="), 1, "not supported")
case(Y, "set-tag", sub("routers:", "routers: !!set"), 4, "not supported")
case(Y, "custom-tag", sub("seed: 1", "seed: !mytag 1"), 2, "not supported")
case(Y, "merge-key", sub("  PC2: {address: 10.0.1.2/24, gateway: 10.0.1.1}",
                         "  PC2: {<<: {address: 10.0.1.2/24}, gateway: 10.0.1.1}"), 14,
     "unknown key '<<'")
case(Y, "directive-only", "%YAML 1.1\n", 2, "YAML syntax error")
case(Y, "stray-closing-bracket", sub("seed: 1", "seed: 1]"), 2, "seed must be an integer")
case(Y, "block-scalar-bad-indent", sub("      hostname RT1", "  hostname RT1"), 12,
     "YAML syntax error")
case(Y, "anchor-then-nothing", sub("seed: 1", "seed: &a"), 2, "seed must be an integer")

# -- resource bombs ----------------------------------------------------------------------------------
B = "bombs"
laughs = ['lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
for i in range(1, 10):
    laughs.append(f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
case(B, "billion-laughs", "name: laughs\nrouters: {}\n" + "\n".join(laughs) + "\n", 9,
     "billion laughs")
case(B, "billion-laughs-in-teach", "name: laughs\nrouters: {}\nteach:\n  " +
     "\n  ".join(laughs) + "\n", 10, "billion laughs")
big = "x" * 4096
quad = [f'a0: &b0 "{big}"'] + [f"a{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 4) + "]"
                             for i in range(1, 12)]
case(B, "alias-text-amplification", "name: text\nrouters: {}\n" + "\n".join(quad) + "\n", 9,
     "MiB of text")
case(B, "nested-flow-sequences-1000", "name: " + "[" * 1000 + "]" * 1000 + "\n", 1,
     "nest")
case(B, "nested-flow-mappings-200", "name: " + "{a: " * 200 + "1" + "}" * 200 + "\n", 1,
     "nested more than 64")
case(B, "nested-block-mappings-100", "name: deep\nrouters:\n" +
     "".join("  " * (i + 1) + f"k{i}:\n" for i in range(100)), 66, "nested more than 64")
case(B, "nested-block-sequences-100", "name: deep\nevents:\n" +
     "".join("  " * (i + 1) + "-\n" for i in range(100)), 66, "nested more than 64")
case(B, "nested-brackets-unclosed", "name: " + "[" * 5000 + "\n", 1, "nest")
case(B, "every-repeats-too-often", plus(
    "  - {at: 0s, device: RT1, exec: show ip route, every: 1us}\n"), 20, "would repeat")
case(B, "duration-a-century", sub("duration: 10s", "duration: 876000h"), 3, "longer than")
case(B, "until-far-beyond", plus(
    "  - {at: 0s, device: RT1, exec: show ip route, every: 1ms, until: 1000h}\n"), 20,
     "would repeat")
case(B, "many-anchors-many-aliases", "name: anchors\nrouters: {}\nteach:\n" +
     "".join(f"  k{i}: &x{i} [1, 2, 3]\n" for i in range(50)) + "  all: [" +
     ", ".join(f"*x{i}" for i in range(50)) + "]\n", 4, "unknown key 'k0'")
case(B, "redos-log-pattern", plus(EXPECT + "  - log: {device: RT1, match: '(a+)+$'}\n"), 21,
     "exponential time")
case(B, "redos-nested-star", plus(EXPECT + "  - log: {device: RT1, match: '(\\w+\\s?)*!'}\n"),
     21, "exponential time")
case(B, "redos-bounded-wide", plus(EXPECT + "  - log: {device: RT1, match: '(.*x){20}'}\n"),
     21, "exponential time")
case(B, "redos-marks-match", plus(EXPECT + "  - ping: {device: PC1, marks_match: '(!*)*'}\n"),
     21, "exponential time")
case(B, "pattern-too-long", plus(EXPECT + "  - log: {device: RT1, match: '" + "a" * 1200 +
                                 "'}\n"), 21, "longer than 1000")

# -- encoding ------------------------------------------------------------------------------------
E = "encoding"
case(E, "nul-in-value", sub("name: hostile", "name: host\0ile").encode(), 1, "NUL character")
case(E, "nul-in-comment", plus("# trailing \0 comment\n").encode(), 20, "NUL character")
case(E, "nul-in-config", sub("      hostname RT1", "      hostname RT1\0").encode(), 7,
     "NUL character")
case(E, "nul-escape-in-quotes", sub("name: hostile", 'name: "host\\0ile"').encode(), 1,
     "control character")
case(E, "bell-character", sub("name: hostile", "name: host\x07ile").encode(), 1,
     "control character U+0007")
case(E, "escape-sequence", sub("name: hostile", "name: \x1b[31mred\x1b[0m").encode(), 1,
     "control character U+001B")
case(E, "delete-character", sub("name: hostile", "name: host\x7file").encode(), 1,
     "control character U+007F")
case(E, "c1-control", sub("name: hostile", "name: host\x9bile").encode(), 1,
     "control character U+009B")
case(E, "latin1-byte", sub("name: hostile", "name: caf\xe9").encode("latin-1"), 1,
     "not UTF-8")
case(E, "latin1-in-config", sub("      hostname RT1", "      hostname RT1 caf\xe9")
     .encode("latin-1"), 7, "not UTF-8")
case(E, "truncated-utf8", sub("name: hostile", "name: x").encode() .replace(
    b"name: x", b"name: x\xe2\x82"), 1, "not UTF-8")
case(E, "overlong-utf8", sub("name: hostile", "name: x").encode().replace(
    b"name: x", b"name: x\xc0\xaf"), 1, "not UTF-8")
case(E, "utf16-file", BASE.encode("utf-16"), 1, "not UTF-8")
case(E, "encoded-surrogate", sub("seed: 1", "seed: 1 # x").encode().replace(
    b"# x", b"# \xed\xa0\x80"), 2, "not UTF-8")
case(E, "escaped-surrogate", sub("name: hostile", 'name: "\\ud800"'), 1, "YAML")
case(E, "form-feed", sub("seed: 1", "seed: 1\x0c"), 2, "control character U+000C")
case(E, "vertical-tab", sub("seed: 1", "seed:\x0b1"), 2, "control character U+000B")
case(E, "invalid-byte-late", plus("# " + "x" * 40 + "\n").encode() + b"bad: \xff\n", 21,
     "column 6")

# -- top level -----------------------------------------------------------------------------------
T = "toplevel"
case(T, "missing-name", sub("name: hostile\n", ""), 1, "missing required key 'name'")
case(T, "missing-routers", "name: x\nhosts:\n  PC1: {address: 10.0.0.2/24}\n", 1,
     "missing required key 'routers'")
case(T, "unknown-key", sub("seed: 1", "seed: 1\ncolour: blue"), 3, "unknown key 'colour'")
case(T, "name-is-list", sub("name: hostile", "name: [a, b]"), 1, "name must be text")
case(T, "name-is-number", sub("name: hostile", "name: 42"), 1, "name must be text")
case(T, "description-is-mapping", sub("seed: 1", "seed: 1\ndescription: {a: 1}"), 3,
     "description must be text")
case(T, "seed-float", sub("seed: 1", "seed: 1.5"), 2, "seed must be an integer")
case(T, "seed-bool", sub("seed: 1", "seed: yes"), 2, "seed must be an integer")
case(T, "seed-string", sub("seed: 1", "seed: forty-two"), 2, "seed must be an integer")
case(T, "duration-negative", sub("duration: 10s", "duration: -5s"), 3, "must be a time")
case(T, "duration-zero", sub("duration: 10s", "duration: 0"), 3, "must be positive")
case(T, "duration-nan", sub("duration: 10s", "duration: .nan"), 3, "finite")
case(T, "duration-inf", sub("duration: 10s", "duration: .inf"), 3, "finite")
case(T, "duration-huge-exponent", sub("duration: 10s", "duration: 1.0e+400"), 3, "finite")
case(T, "duration-exponent-text", sub("duration: 10s", "duration: 1e400"), 3, "must be a time")
case(T, "duration-unit", sub("duration: 10s", "duration: 10 parsecs"), 3, "must be a time")
case(T, "duration-unicode-digits", sub("duration: 10s", "duration: \u0661\u0660s"), 3,
     "must be a time")
case(T, "duration-fullwidth-digits", sub("duration: 10s", "duration: \uff11\uff10s"), 3,
     "must be a time")
case(T, "duration-bool", sub("duration: 10s", "duration: true"), 3, "must be a time")
case(T, "duration-list", sub("duration: 10s", "duration: [10s]"), 3, "must be a time")
case(T, "routers-is-list", sub("routers:\n  RT1:", "routers:\n- RT1:"), 5, "routers must be")
case(T, "hosts-is-list", sub("hosts:\n  PC1:", "hosts:\n- PC1:"), 13, "hosts must be")
case(T, "links-is-mapping", sub("links:\n  - {a: PC1 Fa0/0, b: RT1 Fa0/0}\n  - ",
                                "links:\n  one: "), 16, "links must be a list")
case(T, "events-is-mapping", sub("events:\n  - {at", "events:\n  first: {at"), 19,
     "events must be a list")
case(T, "events-is-string", sub("events:\n  - {at: 1s, device: PC1, exec: ping 10.0.1.2 "
                                "repeat 2}", "events: ping"), 18, "events must be a list")
case(T, "teach-unknown-key", plus("teach: {mood: grumpy}\n"), 20, "unknown key 'mood'")
case(T, "teach-is-list", plus("teach: [a]\n"), 20, "teach must be a mapping")
case(T, "expect-is-mapping", plus("expect: {phase1: x}\n"), 20, "expect must be a list")
case(T, "device-name-twice", sub("  PC1: {", "  RT1: {"), 13, "used twice")

# -- routers ---------------------------------------------------------------------------------------
R = "routers"
case(R, "router-is-list", "name: x\nrouters:\n  RT1: [hostname RT1]\n", 3, "must be a mapping")
case(R, "config-and-config-file", sub("    config: |", "    config_file: rt1.cfg\n"
                                      "    config: |"), 6, "exactly one of")
case(R, "neither-config", sub("    config: |\n      hostname RT1\n      interface "
                              "FastEthernet0/0\n       ip address 10.0.0.1 255.255.255.0\n"
                              "      interface FastEthernet0/1\n       ip address 10.0.1.1 "
                              "255.255.255.0\n", "    platform: ios12\n"), 6, "exactly one of")
case(R, "config-is-list", sub("    config: |", "    config: [hostname RT1]\n    x: |"), 7,
     "unknown key 'x'")
case(R, "config-is-mapping", "name: x\nrouters:\n  RT1:\n    config: {hostname: RT1}\n", 4,
     "config must be text")
case(R, "config-garbage", sub("       ip address 10.0.0.1 255.255.255.0",
                              "       ip adress 10.0.0.1 255.255.255.0"), 9, "Invalid input")
case(R, "config-bad-mask", sub("       ip address 10.0.1.1 255.255.255.0",
                               "       ip address 10.0.1.1 255.0.255.0"), 11, "mask")
case(R, "config-address-overflow", sub("ip address 10.0.0.1 255", "ip address 10.0.0.999 255"),
     9, "Invalid IP address")
case(R, "hostname-mismatch", sub("      hostname RT1", "      hostname RT9"), 5, "must agree")
case(R, "platform-unknown", sub("    config: |", "    platform: ios99\n    config: |"), 6,
     "unknown platform")
case(R, "platform-list", sub("    config: |", "    platform: [ios12]\n    config: |"), 6,
     "unknown platform")
case(R, "uptime-negative", sub("    config: |", "    uptime: -1h\n    config: |"), 6,
     "must be a time")
case(R, "uptime-words", sub("    config: |", "    uptime: a while\n    config: |"), 6,
     "must be a time")
case(R, "router-unknown-key", sub("    config: |", "    colour: red\n    config: |"), 6,
     "unknown key 'colour'")
case(R, "router-is-number", "name: x\nrouters:\n  RT1: 5\n", 3, "must be a mapping")
case(R, "router-null", "name: x\nrouters:\n  RT1:\n", 3, "must be a mapping")

# -- config_file ---------------------------------------------------------------------------------
C = "config-file"
CFG = "hostname RT1\ninterface FastEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n"


def cfg_case(name: str, target: str, line: int | str, fragment: str) -> None:
    case(C, name, f"name: files\nrouters:\n  RT1:\n    config_file: {target}\n", line,
         fragment)


cfg_case("traversal-etc-passwd", "../../../../../../etc/passwd", 4, "inside the scenario")
cfg_case("absolute-etc-passwd", "/etc/passwd", 4, "inside the scenario")
cfg_case("proc-self-environ", "/proc/self/environ", 4, "inside the scenario")
cfg_case("dev-zero", "/dev/zero", 4, "inside the scenario")
cfg_case("dev-stdin", "/dev/stdin", 4, "inside the scenario")
cfg_case("symlink-to-passwd", "files/passwd-link.cfg", 4, "inside the scenario")
cfg_case("symlink-to-dev-zero", "files/zero-link.cfg", 4, "inside the scenario")
cfg_case("symlink-to-outside-dir", "files/sibling/empty-file.yaml", 4, "inside the scenario")
cfg_case("symlink-loop", "files/loop-a.cfg", 4, "config_file")
cfg_case("a-folder", "files", 4, "folder")
cfg_case("missing-file", "files/nope.cfg", 4, "No such file")
cfg_case("empty-name", "''", 4, "must name a file")
cfg_case("name-is-list", "[a.cfg]", 4, "config_file must be text")
cfg_case("nul-in-name", '"files/\\0.cfg"', 4, "control character U+0000")
cfg_case("non-utf8-contents", "files/latin1.cfg", "files/latin1.cfg:2", "not UTF-8")
cfg_case("nul-in-contents", "files/nul.cfg", "files/nul.cfg:2", "NUL character")
cfg_case("control-char-contents", "files/bell.cfg", "files/bell.cfg:1",
         "control character U+0007")
cfg_case("bad-config-line", "files/bad-line.cfg", "files/bad-line.cfg:3", "Invalid input")
cfg_case("hostname-mismatch", "files/other-host.cfg", 3, "must agree")
cfg_case("binary-contents", "files/binary.cfg", "files/binary.cfg:2", "not UTF-8")

# -- hosts -----------------------------------------------------------------------------------------
H = "hosts"
case(H, "missing-address", sub("{address: 10.0.0.2/24, gateway: 10.0.0.1}",
                               "{gateway: 10.0.0.1}"), 13, "needs an 'address'")
case(H, "bad-address", sub("10.0.0.2/24", "10.0.0.300/24"), 13, "address must look like")
case(H, "address-unicode-digits", sub("10.0.0.2/24", "\u0661\u0660.0.0.2/24"), 13,
     "address must look like")
case(H, "address-list", sub("{address: 10.0.0.2/24,", "{address: [10.0.0.2/24],"), 13,
     "address must look like")
case(H, "network-address", sub("10.0.0.2/24", "10.0.0.0/24"), 13, "network or broadcast")
case(H, "broadcast-address", sub("10.0.0.2/24", "10.0.0.255/24"), 13, "network or broadcast")
case(H, "gateway-outside", sub("gateway: 10.0.0.1}", "gateway: 10.9.9.1}"), 13,
     "not in the host's subnet")
case(H, "gateway-garbage", sub("gateway: 10.0.0.1}", "gateway: router}"), 13,
     "gateway must be an IPv4")
case(H, "interface-bad", sub("gateway: 10.0.0.1}", "gateway: 10.0.0.1, interface: Qq0/0}"), 13,
     "Invalid interface")
case(H, "host-is-string", sub("  PC1: {address: 10.0.0.2/24, gateway: 10.0.0.1}",
                              "  PC1: 10.0.0.2/24"), 13, "must be a mapping")
case(H, "host-unknown-key", sub("gateway: 10.0.0.1}", "gateway: 10.0.0.1, os: dos}"), 13,
     "unknown key 'os'")
case(H, "host-uptime-bad", sub("gateway: 10.0.0.1}", "gateway: 10.0.0.1, uptime: old}"), 13,
     "must be a time")

# -- links ---------------------------------------------------------------------------------------
L = "links"
case(L, "missing-b", sub("{a: PC1 Fa0/0, b: RT1 Fa0/0}", "{a: PC1 Fa0/0}"), 16,
     "link needs 'b'")
case(L, "end-format", sub("b: RT1 Fa0/0}", "b: RT1}"), 16, "a link end must look like")
case(L, "end-is-list", sub("b: RT1 Fa0/0}", "b: [RT1, Fa0/0]}"), 16, "a link end must look")
case(L, "unknown-device", sub("b: RT1 Fa0/0}", "b: RT7 Fa0/0}"), 16, "unknown device 'RT7'")
case(L, "unknown-interface", sub("b: RT1 Fa0/0}", "b: RT1 Fa0/5}"), 16, "has no interface")
case(L, "bad-interface-type", sub("b: RT1 Fa0/0}", "b: RT1 Qq0/0}"), 16, "Invalid interface")
case(L, "same-device", sub("{a: PC1 Fa0/0, b: RT1 Fa0/0}", "{a: RT1 Fa0/0, b: RT1 Fa0/1}"), 16,
     "two different devices")
case(L, "end-used-twice", sub("{a: RT1 Fa0/1, b: PC2 Fa0/0}", "{a: RT1 Fa0/0, b: PC2 Fa0/0}"),
     17, "already connected")
case(L, "loss-above-one", sub("b: PC2 Fa0/0}", "b: PC2 Fa0/0, loss: 1.5}"), 17,
     "loss must be a probability")
case(L, "loss-negative", sub("b: PC2 Fa0/0}", "b: PC2 Fa0/0, loss: -0.1}"), 17,
     "loss must be a probability")
case(L, "loss-percent-garbage", sub("b: PC2 Fa0/0}", "b: PC2 Fa0/0, loss: lots%}"), 17,
     "loss must be")
case(L, "loss-nan", sub("b: PC2 Fa0/0}", "b: PC2 Fa0/0, loss: .nan}"), 17, "loss must be")
case(L, "delay-negative", sub("b: PC2 Fa0/0}", "b: PC2 Fa0/0, delay: -1ms}"), 17,
     "must be a time")
case(L, "delay-infinite", sub("b: PC2 Fa0/0}", "b: PC2 Fa0/0, delay: .inf}"), 17, "finite")
case(L, "up-not-bool", sub("b: PC2 Fa0/0}", "b: PC2 Fa0/0, up: maybe}"), 17,
     "up must be true or false")
case(L, "name-twice", sub("{a: PC1 Fa0/0, b: RT1 Fa0/0}", "{a: PC1 Fa0/0, b: RT1 Fa0/0, name: "
                          "x}").replace("b: PC2 Fa0/0}", "b: PC2 Fa0/0, name: x}"), 17,
     "used twice")
case(L, "name-is-mapping", sub("b: PC2 Fa0/0}", "b: PC2 Fa0/0, name: {a: 1}}"), 17,
     "link name must be a name")
case(L, "item-is-string", sub("  - {a: RT1 Fa0/1, b: PC2 Fa0/0}", "  - RT1 to PC2"), 17,
     "a link must be a mapping")
case(L, "unknown-key", sub("b: PC2 Fa0/0}", "b: PC2 Fa0/0, mtu: 9000}"), 17,
     "unknown key 'mtu'")

# -- events --------------------------------------------------------------------------------------
V = "events"
EV = "  - {at: 1s, device: PC1, exec: ping 10.0.1.2 repeat 2}"


def ev(new: str) -> str:
    return sub(EV, new)


case(V, "missing-at", ev("  - {device: PC1, exec: ping 10.0.1.2}"), 19, "needs 'at'")
case(V, "at-negative", ev("  - {at: -1s, device: PC1, exec: ping 10.0.1.2}"), 19,
     "must be a time")
case(V, "at-nan", ev("  - {at: .nan, device: PC1, exec: ping 10.0.1.2}"), 19, "finite")
case(V, "at-words", ev("  - {at: soon, device: PC1, exec: ping 10.0.1.2}"), 19,
     "must be a time")
case(V, "two-actions", ev("  - {at: 1s, device: PC1, exec: ping 10.0.1.2, initiate: 1.1.1.1}"),
     19, "exactly one of")
case(V, "no-action", ev("  - {at: 1s, device: PC1}"), 19, "exactly one of")
case(V, "unknown-device", ev("  - {at: 1s, device: PC9, exec: ping 10.0.1.2}"), 19,
     "unknown device 'PC9'")
case(V, "device-missing", ev("  - {at: 1s, exec: ping 10.0.1.2}"), 19, "needs 'device'")
case(V, "device-is-list", ev("  - {at: 1s, device: [PC1], exec: ping 10.0.1.2}"), 19,
     "device must be a name")
case(V, "configure-on-host", ev("  - {at: 1s, device: PC1, configure: ip routing}"), 19,
     "configure events apply to routers")
case(V, "configure-bad-line", ev("  - at: 1s\n    device: RT1\n    configure: |\n"
                                 "      ip route 1.1.1.0 255.255.255.0"), 22, "Incomplete")
case(V, "configure-is-list", ev("  - {at: 1s, device: RT1, configure: [a]}"), 19,
     "configure must be text")
case(V, "configure-order", ev("  - at: 1s\n    device: RT1\n    configure: |\n"
                              "      no ip route 9.9.9.0 255.255.255.0 10.0.0.2"), 22,
     "No matching route")
case(V, "link-unknown", ev("  - {at: 1s, link: nowhere, state: down}"), 19,
     "unknown link 'nowhere'")
case(V, "link-state-bad", ev("  - {at: 1s, link: RT1-PC2, state: sideways}"), 19,
     "state: up")
case(V, "link-with-device", ev("  - {at: 1s, link: RT1-PC2, device: RT1, state: down}"), 19,
     "not 'device'")
case(V, "state-on-exec", ev("  - {at: 1s, device: PC1, exec: ping 10.0.1.2, state: up}"), 19,
     "'state' belongs to link events")
case(V, "initiate-not-ip", ev("  - {at: 1s, device: RT1, initiate: peer}"), 19,
     "initiate takes the peer's IPv4")
case(V, "initiate-on-host", ev("  - {at: 1s, device: PC1, initiate: 10.0.0.1}"), 19,
     "initiate events apply to routers")
case(V, "every-zero", ev("  - {at: 1s, device: PC1, exec: ping 10.0.1.2, every: 0s}"), 19,
     "every must be positive")
case(V, "every-negative", ev("  - {at: 1s, device: PC1, exec: ping 10.0.1.2, every: -1s}"), 19,
     "must be a time")
case(V, "until-before-at", ev("  - {at: 9s, device: PC1, exec: ping 10.0.1.2, every: 1s, "
                              "until: 5s}"), 19, "'until' is earlier than 'at'")
case(V, "until-without-every", ev("  - {at: 1s, device: PC1, exec: ping 10.0.1.2, until: 5s}"),
     19, "'until' needs 'every'")
case(V, "item-is-string", ev("  - ping everything"), 19, "an event must be a mapping")
case(V, "unknown-key", ev("  - {at: 1s, device: PC1, exec: ping 10.0.1.2, when: now}"), 19,
     "unknown key 'when'")

# -- exec commands ---------------------------------------------------------------------------------
X = "exec"


def ex(command: str, device: str = "RT1") -> str:
    return ev(f"  - {{at: 1s, device: {device}, exec: '{command}'}}")


case(X, "unknown-command", ex("pong 10.0.1.2"), 19, "Invalid input")
case(X, "router-only-on-host", ex("show ip route", "PC1"), 19, "not available on a host")
case(X, "show-with-extra-words", ex("show ip route extra"), 19, "Invalid input")
case(X, "ping-no-target", ex("ping"), 19, "Incomplete")
case(X, "ping-bad-target", ex("ping 10.0.1.300"), 19, "Unrecognized host")
case(X, "ping-repeat-zero", ex("ping 10.0.1.2 repeat 0"), 19, "repeat")
case(X, "ping-repeat-huge", ex("ping 10.0.1.2 repeat 99999999999"), 19, "repeat")
case(X, "ping-repeat-unicode-digit", ex("ping 10.0.1.2 repeat \u0663"), 19, "repeat")
case(X, "ping-repeat-superscript", ex("ping 10.0.1.2 repeat \u00b2"), 19, "repeat")
case(X, "ping-size-huge", ex("ping 10.0.1.2 size 70000"), 19, "size")
case(X, "ping-timeout-words", ex("ping 10.0.1.2 timeout soon"), 19, "timeout")
case(X, "ping-ambiguous-keyword", ex("ping 10.0.1.2 s 100"), 19, "Ambiguous")
case(X, "ping-dangling-keyword", ex("ping 10.0.1.2 repeat"), 19, "Incomplete")
case(X, "ping-source-not-ours", ex("ping 10.0.1.2 source 10.0.0.9"), 19,
     "Invalid source address")
case(X, "ping-source-no-such-interface", ex("ping 10.0.1.2 source Loopback0"), 19,
     "Invalid input detected")
case(X, "ping-source-garbage", ex("ping 10.0.1.2 source !!"), 19, "Invalid input detected")
case(X, "ping-source-shutdown", sub("       ip address 10.0.1.1 255.255.255.0",
                                    "       ip address 10.0.1.1 255.255.255.0\n       shutdown")
     .replace(EV, "  - {at: 1s, device: RT1, exec: 'ping 10.0.0.2 source Fa0/1'}"), 20,
     "IP not enabled or interface is down")
case(X, "ping-source-host-address", ex("ping 10.0.1.2 source 10.0.1.2", "PC1"), 19,
     "Invalid source address")
case(X, "clear-superscript-digit", ex("clear crypto isakmp \u00b2"), 19, "Invalid input")
case(X, "clear-arabic-digit", ex("clear crypto isakmp \u0661"), 19, "Invalid input")
case(X, "clear-two-args", ex("clear crypto isakmp 1 2"), 19, "Invalid input")
case(X, "exec-is-mapping", ev("  - {at: 1s, device: RT1, exec: {show: ip}}"), 19,
     "exec must be text")
case(X, "exec-empty", ex(""), 19, "")

# -- expect --------------------------------------------------------------------------------------
P = "expect"


def exp(item: str) -> str:
    return plus(EXPECT + f"  - {item}\n")


case(P, "unknown-kind", exp("weather: {device: RT1}"), 21, "unknown expectation 'weather'")
case(P, "two-kinds", exp("{log: {device: RT1, match: x}, count: {event: tx}}"), 21,
     "each expectation is one of")
case(P, "body-not-mapping", exp("log: RT1"), 21, "'log' needs a mapping")
case(P, "unknown-setting", exp("log: {device: RT1, match: x, colour: red}"), 21,
     "unknown setting 'colour'")
case(P, "phase1-one-router", exp("phase1: {between: [RT1], outcome: established}"), 21,
     "'between' must name two routers")
case(P, "phase1-host", exp("phase1: {between: [RT1, PC1], outcome: established}"), 21,
     "'PC1' is not a router")
case(P, "phase1-unknown-router", exp("phase1: {between: [RT1, RT2], outcome: maybe}"), 21,
     "'RT2' is not a router")
case(P, "phase1-reason-established", exp(
    "phase1: {between: [RT1, RTX], outcome: established, reason: no-psk}"), 21, "")
case(P, "sa-missing-at", exp("sa: {device: RT1, rows: []}"), 21, "missing 'at'")
case(P, "sa-rows-and-contains", exp("sa: {device: RT1, at: 1s, rows: [], contains: []}"), 21,
     "exactly one of")
case(P, "sa-bad-state", exp("sa: {device: RT1, at: 1s, rows: [{state: QM_IDLING}]}"), 21,
     "'state' must be one of")
case(P, "sa-unknown-row-field", exp("sa: {device: RT1, at: 1s, rows: [{colour: red}]}"), 21,
     "unknown row field")
case(P, "sa-conn-id-string", exp("sa: {device: RT1, at: 1s, rows: [{conn_id: one}]}"), 21,
     "'conn_id' must be an integer")
case(P, "sa-on-host", exp("sa: {device: PC1, at: 1s, rows: []}"), 21, "not a router")
case(P, "log-bad-regex", exp("log: {device: RT1, match: '(unclosed'}"), 21,
     "not a valid regular expression")
case(P, "log-window-reversed", exp("log: {device: RT1, match: x, within: [9s, 2s]}"), 21,
     "ends before it starts")
case(P, "log-window-one-value", exp("log: {device: RT1, match: x, within: [9s]}"), 21,
     "'within' must be [START, END]")
case(P, "log-absent-with-equals", exp("log: {device: RT1, match: x, absent: true, equals: 2}"),
     21, "already means")
case(P, "count-unknown-event", exp("count: {event: retransmitt}"), 21,
     "unknown IKE event 'retransmitt'")
case(P, "count-where-list", exp("count: {event: retransmit, where: [a]}"), 21,
     "'where' must map")
case(P, "count-min-above-max", exp("count: {event: retransmit, min: 5, max: 2}"), 21,
     "greater than 'max'")
case(P, "count-equals-negative", exp("count: {event: retransmit, equals: -1}"), 21,
     "must be an integer")
case(P, "ping-nothing-to-check", exp("ping: {device: PC1}"), 21, "say what to check")
case(P, "ping-success-above-of", exp("ping: {device: PC1, success: 9, of: 2}"), 21,
     "greater than 'of'")
case(P, "ping-bad-marks", exp("ping: {device: PC1, marks: 'abc'}"), 21, "string of ping marks")
case(P, "ping-rate-above-100", exp("ping: {device: PC1, rate: 120}"), 21, "0..100")
case(P, "drop-unknown-reason", exp("drop: {reason: gremlins}"), 21, "'reason' must be one of")
case(P, "drop-bad-protocol", exp("drop: {protocol: carrier-pigeon}"), 21,
     "'protocol' must be")
case(P, "drop-bad-interface", exp("drop: {interface: Qq0/0}"), 21, "not an interface name")
case(P, "unknown-device", exp("log: {device: RT9, match: x}"), 21, "unknown device 'RT9'")
case(P, "item-is-string", plus(EXPECT + "  - just a wish\n"), 21, "each expectation is one of")

# -- warnings (the file loads and runs; the warning names the line) --------------------------------
W = "warnings"
case(W, "event-after-duration", plus("  - {at: 30s, device: RT1, exec: show ip route}\n"), 20,
     "not before the end of the run", "warning")
case(W, "event-at-duration", plus("  - {at: 10s, device: RT1, exec: show ip route}\n"), 20,
     "not before the end of the run", "warning")
case(W, "until-after-duration", plus(
    "  - {at: 1s, device: RT1, exec: show ip route, every: 5s, until: 60s}\n"), 20,
     "'until' 60s is after the end of the run", "warning")
case(W, "shared-address-router-host", sub("{address: 10.0.1.2/24, gateway: 10.0.1.1}",
                                          "{address: 10.0.0.1/24, gateway: 10.0.0.2}"), 14,
     "share an address", "warning")
case(W, "shared-address-two-hosts", sub("{address: 10.0.1.2/24, gateway: 10.0.1.1}",
                                        "{address: 10.0.0.2/24, gateway: 10.0.0.1}"), 14,
     "share an address", "warning")
case(W, "no-links-no-events", "name: bare\nduration: 5s\nrouters:\n  RT1: |\n    hostname RT1\n"
     "hosts:\n  PC1: {address: 10.0.0.2/24}\n  PC2: {address: 10.0.0.2/24}\n", 8,
     "share an address", "warning")


# -- writing -------------------------------------------------------------------------------------
def _support_files(folder: Path) -> None:
    """config_file targets: real files, symlinks pointing outside, a loop, bad encodings."""
    files = folder / "files"
    files.mkdir(parents=True, exist_ok=True)
    (files / "latin1.cfg").write_bytes(b"hostname RT1\ninterface Fa0/0 caf\xe9\n")
    (files / "nul.cfg").write_bytes(b"hostname RT1\ninterface Fa0/0\0\n")
    (files / "bell.cfg").write_bytes(b"hostname RT1\x07\n")
    (files / "bad-line.cfg").write_text("hostname RT1\ninterface Fa0/0\n ip adress 1.1.1.1 "
                                        "255.0.0.0\n")
    (files / "other-host.cfg").write_text("hostname RT9\n")
    (files / "binary.cfg").write_bytes(bytes(range(256)))
    for name, target in (("passwd-link.cfg", "/etc/passwd"), ("zero-link.cfg", "/dev/zero"),
                         ("sibling", "../../yaml"), ("loop-a.cfg", "loop-b.cfg"),
                         ("loop-b.cfg", "loop-a.cfg")):
        link = files / name
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(target, link)


def main() -> None:
    for old in HERE.iterdir():
        if old.is_dir():
            shutil.rmtree(old)
    names: set[tuple[str, str]] = set()
    for cls, name, content, kind, line, fragment in CASES:
        assert (cls, name) not in names, name
        names.add((cls, name))
        where = f"line {line + 1}" if isinstance(line, int) else line
        header = f"# hostile {cls}: {kind} at {where}: {fragment}\n"
        body = content if isinstance(content, bytes) else content.encode("utf-8")
        folder = HERE / cls
        folder.mkdir(exist_ok=True)
        (folder / f"{name}.yaml").write_bytes(header.encode("utf-8") + body)
    _support_files(HERE / C)
    print(f"{len(CASES)} hostile scenarios in {len({c[0] for c in CASES})} classes")


if __name__ == "__main__":
    main()
