"""Every environment variable that config/settings.py reads is listed in .env.example.

The names are found in the syntax tree of the settings, not by searching their text:
each call of a helper imported from config.env (envstr, envbool, …), each
os.environ.get / os.getenv / os.environ[...] and each ``… in os.environ``.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "config" / "settings.py"
ENV_EXAMPLE = ROOT / ".env.example"

ENVIRON_CALLS = {"os.environ.get", "os.environ.setdefault", "os.getenv", "environ.get", "getenv"}
ENVIRON_MAPPINGS = {"os.environ", "environ"}


def env_helpers(tree: ast.Module) -> set[str]:
    """The names under which settings.py imports the readers of config/env.py."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "config.env"
        for alias in node.names
    }


def environment_reads(source: str) -> tuple[set[str], list[str]]:
    """The variable names read, and the reads whose name is not a string literal."""
    tree = ast.parse(source)
    readers = env_helpers(tree) | ENVIRON_CALLS
    keys: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in readers and node.args:
            keys.append(node.args[0])
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) in ENVIRON_MAPPINGS:
            keys.append(node.slice)
        elif isinstance(node, ast.Compare) and any(
            isinstance(op, ast.In | ast.NotIn) and ast.unparse(right) in ENVIRON_MAPPINGS
            for op, right in zip(node.ops, node.comparators, strict=True)
        ):
            keys.append(node.left)
    names = {k.value for k in keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    unreadable = [ast.unparse(k) for k in keys if not isinstance(k, ast.Constant)]
    return names, unreadable


def listed_in_env_example() -> set[str]:
    """NAME=… lines, set or commented out (``# NAME=…``: optional, shown with its default)."""
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.M))


def test_the_settings_reads_are_found():
    names, _ = environment_reads(SETTINGS.read_text())
    assert {"DJANGO_ENV", "SECRET_KEY", "DATABASE_URL", "DEBUG"} <= names


def test_every_read_names_its_variable_literally():
    _, unreadable = environment_reads(SETTINGS.read_text())
    assert unreadable == []


def test_every_variable_the_settings_read_is_in_env_example():
    names, _ = environment_reads(SETTINGS.read_text())
    missing = sorted(names - listed_in_env_example())
    assert not missing, f"read by config/settings.py, missing from .env.example: {missing}"


def test_reads_through_os_environ_are_found_too():
    source = (
        "import os\n"
        "from config.env import envint as number\n"
        "A = os.environ['A']\n"
        "B = os.environ.get('B')\n"
        "C = os.getenv('C', '')\n"
        "D = 'D' in os.environ\n"
        "E = number('E', 1)\n"
    )
    assert environment_reads(source) == ({"A", "B", "C", "D", "E"}, [])
