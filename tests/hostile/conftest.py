"""The hostile scenarios are data for tests/test_hostile.py, not tests: the ikesim pytest
plugin must not collect them as scenario tests (they are meant to fail to load), nor follow the
symlinks of config-file/files/ (some point outside on purpose)."""

collect_ignore = ["config-file/files"]
collect_ignore_glob = ["*.yaml"]
