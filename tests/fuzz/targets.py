"""Fuzz targets, one per parser: each takes arbitrary bytes and may only fail with the parser's
own typed error. Anything else (a crash, a non-typed exception, an unstable round trip) is a
bug the fuzzer reports with the input that caused it.

Run them with ``make fuzz`` (atheris/libFuzzer, see tests/fuzz/run.py); tests/test_fuzz_targets.py
replays the seed corpus through each so a broken target fails ``make test`` too.
"""

from __future__ import annotations

from collections.abc import Callable

from ikesim.errors import IkesimError
from ikesim.ios.exec_parse import ExecError
from ikesim.isakmp import IsakmpDecodeError


def isakmp_codec(data: bytes) -> None:
    """The ISAKMP decoder is total, and what it decodes encodes back to something that decodes
    to the same message."""
    from ikesim.isakmp import decode_message, encode_message

    try:
        message = decode_message(data)
    except IsakmpDecodeError:
        return
    again = decode_message(encode_message(message))
    if again != message:
        raise AssertionError(f"round trip changed the message: {message!r} -> {again!r}")


def ios_config(data: bytes) -> None:
    """The IOS configuration parser: text in, a DeviceConfig or an InputError out."""
    from ikesim.ios.config import apply_config_lines, parse_config

    text = data.decode("utf-8", "replace")
    try:
        config = parse_config(text, file="fuzz.cfg", hostname="RT1")
        apply_config_lines(config, text.splitlines()[-8:], file="fuzz.cfg")
    except IkesimError:
        return


def exec_line(data: bytes) -> None:
    """The exec parser and the load-time checks of its arguments (what `validate` runs)."""
    from ikesim.ios.commands import validate_exec_args
    from ikesim.ios.exec_parse import parse_exec

    text = data.decode("utf-8", "replace")
    for kind in ("router", "host"):
        try:
            validate_exec_args(parse_exec(text), kind)
        except (ExecError, IkesimError):
            pass


def yaml_scenario(data: bytes) -> None:
    """The scenario loader from raw bytes (decoding, YAML, the whole schema)."""
    from ikesim.scenario.loader import parse_scenario
    from ikesim.scenario.yamlsrc import decode_source

    try:
        parse_scenario(decode_source(data, "fuzz.yaml"), file="fuzz.yaml", base_dir=None)
    except IkesimError:
        return


TARGETS: dict[str, Callable[[bytes], None]] = {
    "isakmp_codec": isakmp_codec, "ios_config": ios_config, "exec_line": exec_line,
    "yaml_scenario": yaml_scenario}
