"""The layering, read from the source with ast: no import cycles, no Flask in tabular/, the
accelerator reached only through its entry point, short modules."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app import ROOT

PACKAGES = ("tabular", "web", "training", "bench", "tests")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in
           [ROOT / "app.py"] + [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]}


def imports(name: str) -> set[str]:
    """The project modules `name` imports, anywhere in its body. `from package import x`
    names the module package.x when there is one, else the package."""
    found = set()
    tree = ast.parse(MODULES[name].read_text())
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                         for alias in node.names)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: imports(name) for name in MODULES}


def cycle_from(start: str) -> list[str] | None:
    path, seen = [], set()

    def visit(name: str) -> list[str] | None:
        if name in path:
            return path[path.index(name):] + [name]
        if name in seen:
            return None
        seen.add(name)
        path.append(name)
        for other in sorted(GRAPH[name]):
            if found := visit(other):
                return found
        path.pop()
        return None
    return visit(start)


def test_the_graph_is_read():
    # The reader itself: a graph without these edges would make every check below pass.
    assert "tabular.model" in GRAPH["app"] and "tabular.compiled" in GRAPH["tabular.model"]
    assert "tabular.compiled.replay" in GRAPH["tabular.compiled.compiler"]
    assert "tests.support" in GRAPH["bench.run"]


def test_no_module_imports_itself_through_others():
    cycles = [cycle for name in sorted(GRAPH) if (cycle := cycle_from(name))]
    assert not cycles, " -> ".join(cycles[0])


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.split(".")[0] == "tabular"))
def test_the_domain_knows_no_flask_and_no_web_layer(name):
    tree = ast.parse(MODULES[name].read_text())
    roots = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    roots |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) and not node.level}
    assert not roots & {"flask", "werkzeug", "jinja2", "markupsafe", "web", "app"}


def test_the_accelerator_is_reached_only_through_its_entry_point():
    inner = {n for n in MODULES if n.startswith("tabular.compiled.")}
    # Only its own tests (tests/test_compiled*.py) may reach inside.
    outside = {name: GRAPH[name] & inner for name in GRAPH
               if not name.startswith(("tabular.compiled", "tests.test_compiled"))}
    assert {name: found for name, found in outside.items() if found} == {}
    # ...and the accelerator stands apart from the domain it speeds up.
    assert all(not other.startswith("tabular.") or other.startswith("tabular.compiled")
               for name in inner for other in GRAPH[name])


def test_no_module_of_the_app_is_over_250_lines():
    long = {name: n for name, path in MODULES.items() if not name.startswith("tests")
            and (n := len(path.read_text().splitlines())) > 250}
    assert long == {}
