"""auth_svc's imports point one way: lib/ and blueprints/ use models/ and settings, never
the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

AUTH_SVC = Path(__file__).resolve().parents[3] / "auth_svc"
UPPER = ("auth_svc.lib", "auth_svc.blueprints", "auth_svc.app")


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_models_and_settings_import_nothing_from_the_layers_above() -> None:
    lower = [*sorted((AUTH_SVC / "models").glob("*.py")), AUTH_SVC / "settings.py"]
    upward = {
        f"{path.relative_to(AUTH_SVC)} -> {name}"
        for path in lower
        for name in _imported_modules(path)
        if name.startswith(UPPER)
    }
    assert upward == set()
