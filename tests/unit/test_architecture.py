"""The shape of the tree, kept true by a test: the import graph of service/ has no cycle
(function-level imports counted), the store imports nothing above it, nothing reaches through
a service to its private parts, nothing reaches through ctx() to a sibling's parts, and
modules and functions stay small."""

import ast
import collections
import pathlib
import re

from service.paths import REPO_ROOT

ROOT = pathlib.Path(REPO_ROOT)
# what the store may import: itself and the modules everything stands on
STORE_MAY_IMPORT = ("service.store", "service.errors", "service.naming", "service.resources",
                    "service.clock")
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 50
# whole data literals (an OpenAPI document's paths, a migration's first schema) are allowed
DATA_MODULES = ("service/store/revisions/",)


def modules():
    """{dotted name: path} of service/'s modules."""
    found = {}
    for path in (ROOT / "service").rglob("*.py"):
        if "node_modules" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports(name, path, known):
    """The modules of KNOWN that module NAME imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names]
            if any(target not in known for target in targets):
                targets.append(base)  # a name from the module, not a submodule
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            # a module importing its own package's __init__ is how packages work, not a cycle
            if target and target != name and not name.startswith(target + "."):
                found.add(target)
    return found


def graph():
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def cycles(edges):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycle():
    assert cycles(graph()) == []


def test_the_store_imports_nothing_above_it():
    wrong = {name: sorted(t for t in targets if not t.startswith(STORE_MAY_IMPORT))
             for name, targets in graph().items() if name.startswith("service.store")}
    assert {name: targets for name, targets in wrong.items() if targets} == {}


def test_the_api_and_the_dashboard_do_not_import_each_other():
    edges = graph()
    assert [(a, b) for a, targets in edges.items() for b in targets
            if a.startswith("service.ui") and b.startswith("service.api")
            or a.startswith("service.api") and b.startswith("service.ui")] == []


def test_nothing_reaches_a_services_private_parts():
    """obj._part is obj's own business: only self (or cls) reaches its private attributes."""
    found = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                found.append(f"{name}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("service"):
                found += [f"{name}:{node.lineno} import {alias.name}" for alias in node.names
                          if alias.name.startswith("_") and not alias.name.startswith("__")]
        # the standard library's, and werkzeug's documented way to the object behind a proxy
        allowed = {"_exit", "_asdict", "_mapping", "_replace", "_fields", "_getframe",
                   "_get_current_object"}
    assert [f for f in found if f.rpartition(".")[2] not in allowed] == []


def test_nothing_reaches_through_ctx_to_a_services_parts():
    """ctx().compute.create(...) calls a service; ctx().compute.creator.x would reach into
    one. The store's repositories (ctx().store.vms) are its interface."""
    reach = re.compile(r"ctx\(\)\.(\w+)\.(\w+)\.(\w+)")
    found = [f"{path.relative_to(ROOT)}: {m.group(0)}" for path in modules().values()
             for m in reach.finditer(path.read_text()) if m.group(1) != "store"]
    assert found == []


def test_modules_and_functions_stay_small():
    long_modules, long_functions = [], []
    for name, path in modules().items():
        relative = str(path.relative_to(ROOT))
        if relative.startswith(DATA_MODULES):
            continue
        lines = path.read_text().count("\n")
        if lines > MAX_MODULE_LINES:
            long_modules.append(f"{relative}: {lines}")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES and not _data(node):
                    long_functions.append(f"{relative}: {node.name} {length}")
    assert (long_modules, long_functions) == ([], [])


def _data(function):
    """True when FUNCTION is mostly a data literal (its returned or assigned dict or list)."""
    literal = sum(n.end_lineno - n.lineno + 1 for n in ast.walk(function)
                  if isinstance(n, (ast.Dict, ast.List)) and n.end_lineno - n.lineno > 10)
    return literal > (function.end_lineno - function.lineno) / 2


def test_graph_reads_function_level_imports():
    """(the guard guards: an import inside a function counts)"""
    edges = graph()
    assert "service.sync.services" in edges["service.context"]  # inside sync_services()
    counted = collections.Counter(len(targets) for targets in edges.values())
    assert counted
