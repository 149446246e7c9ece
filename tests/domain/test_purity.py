"""The domain and the mappers are pure: no I/O, no clock, no environment, no HTTP."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "tribe_sync"
FORBIDDEN_MODULES = {
    "httpx",
    "os",
    "time",
    "socket",
    "subprocess",
    "pathlib",
    "random",
    "sqlalchemy",
    "requests",
    "urllib.request",
    "shutil",
    "tempfile",
    "logging",
    "threading",
    "asyncio",
    "uvicorn",
    "starlette",
    "tenacity",
    "io",
}
CLOCK_CALLS = {"now", "today", "utcnow", "time", "monotonic", "getenv"}


def modules(package: str) -> list[Path]:
    return sorted((PACKAGE / package).rglob("*.py"))


@pytest.mark.parametrize(
    "path", modules("domain") + modules("mappers"), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_pure_modules_import_nothing_that_does_io_and_read_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN_MODULES, (path, name)
            assert name not in FORBIDDEN_MODULES, (path, name)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in CLOCK_CALLS, f"{path}:{node.lineno} calls .{node.func.attr}()"
        if isinstance(node, ast.Attribute) and node.attr == "environ":
            pytest.fail(f"{path}:{node.lineno} reads the environment")


def test_importing_the_pure_layers_loads_no_http_or_database_machinery() -> None:
    code = (
        "import sys, tribe_sync.domain.validation, tribe_sync.domain.accountability;"
        "import tribe_sync.mappers.read, tribe_sync.mappers.write, tribe_sync.mappers.metadata;"
        "import tribe_sync.mappers.queries;"
        "print(sorted(m for m in ('httpx', 'sqlalchemy', 'tenacity', 'uvicorn') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
