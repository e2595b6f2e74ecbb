"""Domain, reader, data and printing modules must not load Textual or Rich (DESIGN.md layering)."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = ["kiosk.core", "kiosk.reader", "data", "printing"]


def _modules() -> list[str]:
    names = []
    for package in PURE_PACKAGES:
        path = ROOT / package.replace(".", "/")
        names.append(package)
        names += [f"{package}.{m.name}" for m in pkgutil.iter_modules([str(path)])]
    return names


@pytest.mark.parametrize("module", _modules())
def test_module_does_not_load_textual(module):
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')); "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, f"{module} loaded {result.stdout.strip()} {result.stderr[-500:]}"


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
