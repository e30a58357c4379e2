"""The layer's whole dependency tree is pinned with hashes, and ``make package`` installs only that."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra import package

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "layers" / "requirements.lock"


def _locked() -> dict[str, tuple[str, list[str]]]:
    """name → (pinned version, hashes) of each requirement in the lock file."""
    text = re.sub(r"\\\n\s*", " ", LOCK.read_text())  # one logical line per requirement
    out: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line.split(" --", 1)[0].strip())
        (pin,) = req.specifier
        assert pin.operator == "==", f"not pinned exactly: {line}"
        hashes = re.findall(r"--hash=sha256:(\S+)", line)
        out[canonicalize_name(req.name)] = (pin.version, hashes)
    return out


def _tree(requirements: list[str]) -> set[str]:
    """Every distribution the requirements pull in on Lambda's Python (3.11, Linux), extras included,
    read from the installed metadata (the dev venv installs the layer with its dependencies)."""
    env = {"python_version": "3.11", "python_full_version": "3.11.9", "sys_platform": "linux",
           "platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix",
           "implementation_name": "cpython", "platform_python_implementation": "CPython"}
    seen: set[tuple[str, str]] = set()
    todo = [(Requirement(r), "") for r in requirements]
    while todo:
        req, extra = todo.pop()
        if req.marker and not req.marker.evaluate({**env, "extra": extra}):
            continue
        name = canonicalize_name(req.name)
        for wanted in sorted(req.extras) or [""]:
            if (name, wanted) in seen:
                continue
            seen.add((name, wanted))
            todo += [(Requirement(r), wanted) for r in distribution(name).requires or []]
    return {name for name, _ in seen}


def test_the_lock_pins_every_layer_dependency_with_a_hash():
    direct = tomllib.loads((ROOT / "layers" / "pyproject.toml").read_text())["project"]["dependencies"]
    locked = _locked()
    tree = _tree(direct)
    assert len(tree) > len(direct), "the walk found no indirect dependency: it is broken"
    missing = sorted(tree - set(locked))
    assert not missing, f"layer dependencies not in layers/requirements.lock (run `make lock`): {missing}"
    for name in tree:
        version, hashes = locked[name]
        assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), f"{name} has no sha256 hash"
    for r in map(Requirement, direct):  # the lock is of the pyproject as it is now
        assert r.specifier.contains(locked[canonicalize_name(r.name)][0]), f"{r} is locked at another version"


def test_package_installs_the_lock_and_nothing_else(tmp_path):
    cmd = package.layer_install_command(tmp_path)
    assert cmd[1:4] == ["-m", "pip", "install"]
    assert {"--require-hashes", "--no-deps", "--only-binary=:all:"} <= set(cmd)
    assert cmd[cmd.index("-r") + 1] == str(LOCK)
    assert str(ROOT / "layers") not in cmd  # our own code is copied, not resolved by pip
