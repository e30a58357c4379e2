from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.package import build_template


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    """The packaged template of each stage (chalice package + our merge template; no layer build)."""
    out = {}
    for stage in ("dev", "prod"):
        path = build_template(stage, tmp_path_factory.mktemp(f"package-{stage}"))
        out[stage] = (path, json.loads(path.read_text()))
    return out
