"""``files/outside`` is a symlink to the repository root (the config_file confinement tests
use it); pytest must not collect through it, or it walks the repository again and again."""

collect_ignore = ["files/outside"]
