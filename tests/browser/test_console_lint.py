"""The console's lint (web/console/eslint.config.js, run by `make lint`) refuses HTML rendering: v-html and the
DOM's HTML setters. Names people typed are rendered as text only."""

from __future__ import annotations

import subprocess

import pytest

from devstack.stack import ROOT

WEB = ROOT / "web" / "console"


def _eslint(source: str, filename: str) -> str:
    if not (WEB / "node_modules" / ".bin" / "eslint").exists():
        pytest.fail("web/console/node_modules is missing: run `make web`")
    done = subprocess.run([str(WEB / "node_modules" / ".bin" / "eslint"), "--stdin", "--stdin-filename", filename],
                          cwd=WEB, input=source, text=True, capture_output=True, timeout=60)
    return done.stdout + done.stderr


def test_v_html_is_a_lint_error():
    out = _eslint('<template><p v-html="name"></p></template>\n<script setup>\nconst name = "x"\n</script>\n',
                  "src/pages/Bad.vue")
    assert "vue/no-v-html" in out and "error" in out


def test_inner_html_is_a_lint_error():
    out = _eslint("export function show(el, name) {\n  el.innerHTML = name\n}\n", "src/bad.js")
    assert "never as HTML" in out
