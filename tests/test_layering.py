"""Services, selectors and the domain know nothing of HTTP (DESIGN: services are called by admin
actions, Celery tasks and management commands too). Their modules are parsed, not imported, so an
import inside a function counts as well."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("rest_framework", "hunter_robot.api")

# Paths (files, or packages taken whole) that must not reach the HTTP layer.
DOMAIN = [
    "recruit/services",
    "recruit/selectors.py",
    "recruit/jobconfig.py",
    "recruit/notify_formats.py",
    "recruit/screening.py",
    "recruit/quota.py",
    "recruit/cv.py",
    "recruit/platforms",
    "recruit/models",
    "recruit/tasks.py",
    "chatbot",
    "hunter_robot/errors.py",
    "hunter_robot/services.py",
    "hunter_robot/workqueue.py",
    "hunter_robot/schedules.py",
]
# In wechat, the services, selectors, models, console actions, nudges and tasks (its API may use DRF).
WECHAT_LAYERS = ("services", "selectors", "models", "actions", "nudges", "tasks")


def domain_modules() -> list[Path]:
    files: set[Path] = set()
    for name in DOMAIN:
        path = ROOT / name
        if path.is_dir():
            files.update(path.rglob("*.py"))
        elif path.exists():
            files.add(path)
    for path in (ROOT / "wechat").rglob("*.py"):
        parts = path.relative_to(ROOT / "wechat").with_suffix("").parts
        if parts[0] in WECHAT_LAYERS:
            files.add(path)
    return sorted(p for p in files if "migrations" not in p.parts)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in `tree`, relative ones resolved; `from a import b`
    yields both `a` and `a.b` (b may be a module)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def http_imports(source: str, module: str = "pkg.mod", is_package: bool = False) -> list[str]:
    tree = ast.parse(source)
    return sorted(
        {
            f"line {line}: {name}"
            for line, name in imported(tree, module, is_package)
            if any(name == top or name.startswith(top + ".") for top in FORBIDDEN)
        }
    )


MODULES = domain_modules()


def test_the_domain_modules_are_found():
    names = {module_name(p) for p in MODULES}
    assert {"recruit.services.chat", "recruit.selectors", "recruit.jobconfig", "chatbot.rule"} <= names
    assert "wechat.services" in names and "wechat.models" in names
    assert {"wechat.actions", "wechat.nudges", "wechat.tasks"} <= names
    assert "recruit.notify_formats" in names and "recruit.services.summary" in names


@pytest.mark.parametrize(
    "source",
    [
        "from rest_framework import serializers",
        "import rest_framework.exceptions",
        "from hunter_robot.api.errors import NotFound",
        "from hunter_robot import api",
        "def f():\n    from hunter_robot.api.auth import Caller\n",
        "from ..api import errors",  # relative, in hunter_robot/x/y.py
    ],
)
def test_the_check_sees_every_form_of_import(source):
    assert http_imports(source, module="hunter_robot.x.y")


def test_the_check_lets_the_domain_errors_through():
    assert http_imports("from hunter_robot.errors import Conflict\nfrom hunter_robot import errors\n") == []


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_no_http_in_services_selectors_and_domain(path):
    found = http_imports(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
    assert found == [], f"{path.relative_to(ROOT)} imports the HTTP layer: {found}"
