"""The layout's rules that import-linter cannot state (the layers are its contract in
pyproject.toml, run by `make lint`): read from the code's own imports with ``ast``."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "config",
    "core",
    "municipalities",
    "programs",
    "kpis",
    "vision",
    "evaluations",
    "returns",
    "reports",
    "revisions",
    "public",
)


def application_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def imports_of(path: Path):
    """(module, name) for every ``from module import name`` in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None


def test_the_application_has_modules_to_check():
    paths = list(application_modules())
    assert len(paths) > 50
    assert ROOT / "returns" / "services.py" in paths


@pytest.mark.parametrize(
    "path", list(application_modules()), ids=lambda p: str(p.relative_to(ROOT))
)
def test_no_private_name_is_imported_from_another_module(path):
    private = [
        f"{module}.{name}"
        for module, name in imports_of(path)
        if name and name.startswith("_") and module.split(".")[0] in APPS
    ]
    assert private == []


@pytest.mark.parametrize(
    "path", list(application_modules()), ids=lambda p: str(p.relative_to(ROOT))
)
def test_only_templates_use_the_template_tag_libraries(path):
    if "templatetags" in path.parts:
        return
    used = [module for module, _ in imports_of(path) if ".templatetags" in f".{module}"]
    assert used == []


def test_the_checks_see_a_private_import_and_a_template_tag_import(tmp_path):
    """The two rules above are not vacuous: they find what they look for."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from returns.services import _save\nfrom core.templatetags import jp\n",
        encoding="utf-8",
    )
    found = list(imports_of(sample))
    assert ("returns.services", "_save") in found
    assert ("core.templatetags", "jp") in found


def test_the_project_package_holds_settings_urls_and_wsgi_only():
    modules = sorted(p.name for p in (ROOT / "config").glob("*.py"))
    assert modules == ["__init__.py", "env.py", "settings.py", "urls.py", "wsgi.py"]
