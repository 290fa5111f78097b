"""The core never imports a chat platform's library: adapters are optional extras."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import bot

PLATFORM_MODULES = ("discord", "slack_bolt", "slack_sdk", "aiohttp")
CORE = ["bot", "bot.router", "bot.cli", "bot.build", "bot.store", "bot.faq_import"]


def core_modules() -> list[str]:
    """Every module of the package except the adapters and `python -m bot`'s entry point."""
    names = [m.name for m in pkgutil.walk_packages(bot.__path__, "bot.")]
    return sorted(n for n in names if not n.startswith("bot.adapters") and n != "bot.__main__")


def loaded_platform_modules(code: str) -> list[str]:
    probe = (
        f"{code}\n"
        "import json, sys\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {PLATFORM_MODULES!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_importing_the_core_does_not_import_platform_libraries() -> None:
    assert loaded_platform_modules("import " + ", ".join(CORE)) == []


def test_no_core_module_imports_platform_libraries() -> None:
    modules = core_modules()
    assert set(CORE[1:]) <= set(modules)
    assert loaded_platform_modules("import " + ", ".join(modules)) == []


def test_answering_a_question_does_not_import_platform_libraries(etoile_db_copy: Path) -> None:
    """Lazy imports inside commands count too: run `ask` in-process and look again."""
    code = (
        "from bot.cli import cli\n"
        f"cli(['ask', '--db', {str(etoile_db_copy)!r}, '--json', 'who plays cheyenne'], standalone_mode=False)\n"
    )
    assert loaded_platform_modules(code) == []
