"""Start-up of the CLI: wall time of `newsbot summarize examples/sample_article.txt`, end to end.

Like hyperfine: one warm-up run, then N timed runs of the whole process; reports p50, min and
max, next to a bare `python -c pass` and the same process with only the imports, so the
share spent on the summary itself shows.

    python benchmarks/startup.py [--runs 15] [--file examples/sample_article.txt]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_P50 = 0.4

#: (label, argv after the interpreter)
def commands(file: str) -> list[tuple[str, list[str]]]:
    return [
        ("python -c pass", ["-c", "pass"]),
        ("import bot.cli only", ["-c", "import bot.cli"]),
        (f"newsbot summarize {file} --no-cache", ["-m", "bot", "summarize", file, "--no-cache"]),
    ]


def time_runs(argv: list[str], runs: int) -> list[float]:
    """Wall seconds of each of `runs` runs after one untimed warm-up (page cache, .pyc files).

    Python writes .pyc files as on a user's machine, even where the environment says not to
    (PYTHONDONTWRITEBYTECODE): otherwise every run compiles the project's changed modules."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out: list[float] = []
    for i in range(runs + 1):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, *argv], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
        if i:
            out.append(time.perf_counter() - started)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--file", default="examples/sample_article.txt")
    args = parser.parse_args(argv)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"python: {sys.executable} ({platform.python_version()})\n")
    print("| command | p50 s | min s | max s |")
    print("|---|---:|---:|---:|")
    p50 = 0.0
    for label, cmd in commands(args.file):
        times = time_runs(cmd, args.runs)
        p50 = statistics.median(times)
        print(f"| `{label}` | {p50:.3f} | {min(times):.3f} | {max(times):.3f} |")
    verdict = "met" if p50 <= TARGET_P50 else "missed"
    print(f"\ntarget: summarize p50 <= {TARGET_P50} s: {verdict} ({args.runs} runs)")
    print(f"rerun: python benchmarks/startup.py --runs {args.runs} --file {args.file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
