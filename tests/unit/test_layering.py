"""The dependency rules of docs/architecture.md ("Issue 17: layout"), checked on the source, not on trust.

Imports point downward only: the kernel depends on nothing of ours; a feature package's models and services
never reach an adapter, the wiring or the CLI; no feature reaches into another feature's repository, WeCom
calls or wiring; AWS and HTTP libraries appear only in adapters (and a feature's own edges); nothing under
layers/ imports the Lambda entry points. Every module lives in the kernel, a feature package or the shared
infrastructure (adapters, bootstrap, cli, resources, settings): the old ``domain/`` and ``services/`` folders
are gone and must not come back. Exceptions are listed with their reason, so
a new one is a decision, not an accident.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

LAYER = Path(__file__).resolve().parents[2] / "layers"
SHARED = {"adapters", "bootstrap", "cli", "kernel", "resources", "settings"}
FEATURES = {
    "acquisition", "alerts", "callbacks", "contact_stats", "content", "corps", "customers", "fission", "live_codes",
    "mass_sends", "moments", "sidebar", "sops", "staff_auth", "stages", "stores", "sync", "transfers", "welcome",
}
IO_LIBRARIES = {"boto3", "botocore", "pynamodb", "requests", "wechatpy", "urllib3"}
# Modules of a feature package that may talk to AWS / WeCom / build the feature (the rest is pure or service):
# ``repository.py`` and ``*_repository.py`` (DynamoDB), ``wecom.py`` (its WeCom calls), ``wiring.py``.
FEATURE_EDGES = {"repository", "wiring", "wecom"}

ALLOWED = {
    # The callback route's intake verifies and decrypts with WeCom's crypto and parses XML, both pure functions
    # that live with the WeCom adapter; they take no client and do no I/O.
    ("scrm.callbacks.intake", "scrm.adapters.wecom.callback_crypto"),
    ("scrm.callbacks.intake", "scrm.adapters.wecom.xml"),
}


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted((LAYER / "scrm").rglob("*.py")):
        parts = path.relative_to(LAYER).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def _imports(name: str, path: Path) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


def _ours(imported: set[str]) -> set[str]:
    """Module names of ours, the longest existing one for ``from x import y`` (a name or a submodule)."""
    names = {n for n, _ in _modules()}
    return {i for i in imported if i in names}


MODULES = dict(_modules())
GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _violations(rule) -> list[str]:  # type: ignore[no-untyped-def]
    bad = []
    for src, imported in GRAPH.items():
        for dst in sorted(_ours(imported)):
            if dst != src and (src, dst) not in ALLOWED and rule(src, dst):
                bad.append(f"{src} -> {dst}")
    return bad


def test_the_kernel_depends_on_nothing_of_ours():
    assert _violations(lambda s, d: _area(s) == "kernel" and _area(d) not in ("kernel", "")) == []


def test_every_module_is_in_the_kernel_a_feature_or_the_shared_infrastructure():
    """A new top-level folder is a decision (add it to FEATURES or SHARED), not a place to park code."""
    assert sorted({_area(m) for m in MODULES} - SHARED - FEATURES - {""}) == []
    assert not (LAYER / "scrm" / "domain").exists() and not (LAYER / "scrm" / "services").exists()


def _is_feature(module: str) -> bool:
    return _area(module) not in SHARED and _area(module) != ""


def _edge(module: str) -> bool:
    leaf = module.rpartition(".")[2]
    return leaf in FEATURE_EDGES or leaf.endswith("_repository")


def test_services_and_feature_logic_never_reach_adapters_wiring_or_the_cli():
    def rule(src: str, dst: str) -> bool:
        logic = _is_feature(src) and not _edge(src)
        return logic and (_area(dst) in ("adapters", "bootstrap", "cli") or (_is_feature(dst) and _edge(dst)))

    assert _violations(rule) == []


def test_no_feature_reaches_into_another_features_repository_or_wiring():
    def rule(src: str, dst: str) -> bool:
        # The shared WeCom gateway composes the features' WeCom calls and bootstrap wires them: not features.
        return _is_feature(src) and _is_feature(dst) and _edge(dst) and _area(src) != _area(dst)

    assert _violations(rule) == []


def test_nothing_below_the_cli_imports_it():
    assert _violations(lambda s, d: _area(d) == "cli" and _area(s) != "cli") == []


@pytest.mark.parametrize("area", ["kernel"])
def test_io_libraries_only_in_adapters(area):
    bad = [f"{m} imports {lib}" for m, imported in GRAPH.items() if _area(m) == area
           for lib in sorted({i.split(".")[0] for i in imported} & IO_LIBRARIES)]  # fmt: skip
    assert bad == []


def test_feature_logic_uses_no_io_library_and_no_pydantic():
    bad = [f"{m} imports {lib}" for m, imported in GRAPH.items() if _is_feature(m) and not _edge(m)
           for lib in sorted({i.split(".")[0] for i in imported} & (IO_LIBRARIES | {"pydantic"}))]  # fmt: skip
    assert bad == []


def test_the_layer_never_imports_the_entry_points():
    bad = [f"{m} imports {i}" for m, imported in GRAPH.items() for i in imported
           if i.split(".")[0] in ("functions", "admin", "app", "devstack", "tests")]  # fmt: skip
    assert bad == []


def test_the_rules_see_the_code():
    """A guard against a rule passing because the walk found nothing."""
    assert len(MODULES) > 100 and "scrm.kernel.errors" in MODULES
    assert "scrm.kernel.errors" in _ours(GRAPH["scrm.kernel.bus"])
