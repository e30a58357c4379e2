"""The admin API's routes, its OpenAPI document and docs/api.md say the same thing."""

from __future__ import annotations

from devstack import api_docs
from devstack.app_server import load_admin


def test_every_route_is_documented_and_every_documented_path_is_a_route():
    from admin.openapi import SPEC

    routes = {(path, method.lower()) for path, methods in load_admin().routes.items() for method in methods}
    documented = {(path, method) for path, ops in SPEC["paths"].items() for method in ops}
    assert routes == documented


def test_docs_api_md_holds_the_current_document():
    current = api_docs.DOC.read_text(encoding="utf-8")
    assert api_docs.render(current) == current, "run: python -m devstack.api_docs"
