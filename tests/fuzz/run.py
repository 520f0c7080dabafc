"""``make fuzz``: run every fuzz target with atheris (libFuzzer) for a time budget each.

    python tests/fuzz/run.py [--seconds N] [TARGET...]

Each target starts from a fresh temporary corpus seeded by tests/fuzz/seeds.py (the repository
is never written to); a crash leaves its input in build/fuzz/<target>/ and makes the exit status
non-zero. ``FUZZ_SECONDS`` sets the default budget (CI uses a short one, see .ci/run).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from seeds import seeds  # noqa: E402
from targets import TARGETS  # noqa: E402


def fuzz(target: str, seconds: int) -> bool:
    artifacts = ROOT / "build" / "fuzz" / target
    artifacts.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"ikesim-fuzz-{target}-") as corpus:
        count = 0
        for data in seeds(target):
            name = hashlib.sha1(data).hexdigest()
            (Path(corpus) / name).write_bytes(data)
            count += 1
        command = [sys.executable, str(HERE / "atheris_main.py"), target, corpus,
                   f"-max_total_time={seconds}", f"-artifact_prefix={artifacts}/",
                   "-timeout=10", "-rss_limit_mb=2048", "-max_len=65536", "-print_final_stats=1"]
        print(f"== {target}: {count} seeds, {seconds} s", flush=True)
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                                timeout=seconds + 300)
    stats = [s for s in result.stderr.splitlines() if s.startswith(("stat::number_of_executed",
                                                                      "stat::peak_rss"))]
    for line in stats:
        print(f"   {line}")
    if result.returncode != 0:
        print(result.stderr[-4000:], file=sys.stderr)
        print(f"!! {target}: failure, input kept in {artifacts}", file=sys.stderr)
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", default=sorted(TARGETS))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", 60)))
    args = parser.parse_args()
    failed = [t for t in args.targets if not fuzz(t, args.seconds)]
    if failed:
        print(f"fuzz: {len(failed)} target(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"fuzz: {len(args.targets)} target(s) ran {args.seconds} s each without a failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
