"""``make package``: build the deployable artefacts under infra/out/ without touching AWS.

1. Stage the Chalice project: ``functions/app.py`` and ``.chalice/`` as they are; the handler packages
   (``callbacks/``, ``consumers/``, ``scheduled/``) go into Chalice's ``vendor/`` (copied to the zip root,
   so the imports of app.py work unchanged); per-function policy files are written for Chalice and then
   replaced by ours through the merge template.
2. ``chalice package --pkg-format cloudformation --merge-template`` with the template of infra/template.py.
3. Build the Lambda layer into layer.zip, unless ``--no-layer``: exactly the dependencies of
   ``layers/requirements.lock`` (``make lock``), checked against their hashes (manylinux x86_64 wheels
   for Python 3.11), and the ``scrm`` package's source with the fission poster's font (infra/poster_font.py,
   built again here from its pinned source).
4. Copy the built web console (web/console/dist, ``make web``) into console/ and the built employee sidebar
   (web/sidebar/dist) into sidebar/ and the customers' landing pages (web/landing/dist) into landing/, unless
   ``--no-console``: what ``make deploy`` uploads to the console
   bucket under the same prefixes (their config.json files are written at deploy).

Nothing is uploaded: ``make deploy`` (infra/deploy.py) does that.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from infra import poster_font
from infra.access import FUNCTIONS
from infra.template import merge_template

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
HANDLER_PACKAGES = ("callbacks", "consumers", "scheduled", "admin")
STAGES = ("dev", "prod")


class PackageError(RuntimeError):
    pass


def stage_settings(stage: str) -> dict[str, Any]:
    config = json.loads((FUNCTIONS_DIR / ".chalice" / "config.json").read_text())
    if stage not in config.get("stages", {}):
        raise PackageError(f"unknown stage {stage!r}; .chalice/config.json has {sorted(config['stages'])}")
    return config["stages"][stage]


def _stage_project(stage: str, into: Path) -> None:
    shutil.copy2(FUNCTIONS_DIR / "app.py", into / "app.py")
    shutil.copytree(FUNCTIONS_DIR / ".chalice", into / ".chalice",
                    ignore=shutil.ignore_patterns("deployments", "venv"))
    vendor = into / "vendor"
    vendor.mkdir()
    for pkg in HANDLER_PACKAGES:
        shutil.copytree(FUNCTIONS_DIR / pkg, vendor / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    (into / "requirements.txt").write_text("# dependencies come from the shared layer (layers/)\n")
    # Chalice wants a policy file per function when autogen_policy is false; the merge template replaces
    # what it generates from these with the least-privilege policies of infra/access.py.
    config_path = into / ".chalice" / "config.json"
    config = json.loads(config_path.read_text())
    stage_cfg = config["stages"][stage]
    functions = stage_cfg.setdefault("lambda_functions", {})
    for fn in FUNCTIONS:
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["logs:CreateLogStream"], "Resource": "*"}]}
        (into / ".chalice" / f"policy-{fn}.json").write_text(json.dumps(policy))
        functions.setdefault(fn, {})["iam_policy_file"] = f"policy-{fn}.json"
    config_path.write_text(json.dumps(config, indent=2))


def admin_routes() -> list[tuple[str, str]]:
    """(path, method) of every admin API route, read from the admin Chalice object itself."""
    if str(FUNCTIONS_DIR) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS_DIR))
    from admin.api import admin

    return sorted((path, method) for path, methods in admin.routes.items() for method in methods)


def build_template(stage: str, out: Path) -> Path:
    """Run chalice package into ``out``; returns the path of sam.json."""
    settings = stage_settings(stage)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        _stage_project(stage, project)
        merge = Path(tmp) / "merge.json"
        merge.write_text(json.dumps(merge_template(settings.get("scrm", {}), admin_routes()), indent=2))
        pkg_out = Path(tmp) / "out"
        env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
        for key in [k for k in env if k.startswith("AWS_ENDPOINT_URL")]:
            env.pop(key)
        result = subprocess.run(
            [str(Path(sys.executable).parent / "chalice"), "package", "--stage", stage, "--pkg-format", "cloudformation",
             "--merge-template", str(merge), str(pkg_out)],
            cwd=project, env=env, capture_output=True, text=True,
        )
        if result.returncode:
            raise PackageError(f"chalice package failed: {result.stderr.strip().splitlines()[-1:]}")
        for name in ("sam.json", "deployment.zip"):
            shutil.copy2(pkg_out / name, out / name)
    return out / "sam.json"


LOCK = ROOT / "layers" / "requirements.lock"


def layer_install_command(target: Path) -> list[str]:
    """pip installs the lock file and nothing else: every file checked against its pinned hash, no
    dependency resolved at build time (a lock missing one fails the build instead of fetching it)."""
    return [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--require-hashes", "--no-deps", "-r", str(LOCK),
            "--target", str(target), "--platform", "manylinux2014_x86_64", "--implementation", "cp",
            "--python-version", "3.11", "--only-binary=:all:", "--no-compile"]


def build_layer(out: Path) -> Path:
    """layers/ and its dependencies, as Lambda wants them: python/ at the zip root, Linux x86_64 wheels."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "python"
        result = subprocess.run(layer_install_command(target), capture_output=True, text=True)
        if result.returncode:
            raise PackageError("layer build failed: " + " ".join(result.stderr.strip().splitlines()[-2:]))
        # The fission poster's Chinese font, built again from its pinned source into layers/scrm (so the layer
        # never carries a stale or missing one; the same bytes every build): it ships with our code below.
        try:
            poster_font.build()
        except poster_font.FontError as exc:
            raise PackageError(f"poster font: {exc}") from None
        # Our own code is copied, not pip-installed: a local directory has no hash to check.
        shutil.copytree(ROOT / "layers" / "scrm", target / "scrm", ignore=shutil.ignore_patterns("__pycache__"))
        # boto3/botocore are in the Lambda runtime too, but we pin ours: pynamodb pulls botocore anyway.
        layer = out / "layer.zip"
        with zipfile.ZipFile(layer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(target.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(".pyc"):
                    zf.write(path, path.relative_to(Path(tmp)))
    return layer


CONSOLE_DIST = ROOT / "web" / "console" / "dist"
SIDEBAR_DIST = ROOT / "web" / "sidebar" / "dist"
LANDING_DIST = ROOT / "web" / "landing" / "dist"
# A <script> element with content (not just a src): the console's CSP (script-src 'self') would block it.
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>\s*[^<\s]", re.IGNORECASE)


def build_console(out: Path, dist: Path = CONSOLE_DIST, name: str = "console") -> Path:
    """The built console as the bucket will hold it under console/ (or the sidebar under sidebar/): every
    file of dist but a config.json (that one is the stage's, written by make deploy). Refuses a build the
    CSP would break."""
    index = dist / "index.html"
    if not index.is_file():
        raise PackageError(f"{index} is missing: build the {name} first (make web)")
    if _INLINE_SCRIPT.search(index.read_text()):
        raise PackageError(f"{index} has an inline script, which the {name}'s CSP (script-src 'self') blocks")
    target = out / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(dist, target, ignore=shutil.ignore_patterns("config.json", "*.map"))
    return target


def build_landing(out: Path, dist: Path = LANDING_DIST) -> Path:
    """The built landing pages as the bucket holds them under landing/: one HTML file per page (store.html),
    each checked for an inline script as the console's index.html is."""
    pages = sorted(dist.glob("*.html"))
    if not pages:
        raise PackageError(f"{dist} has no page: build the landing pages first (make web)")
    for page in pages:
        if _INLINE_SCRIPT.search(page.read_text()):
            raise PackageError(f"{page} has an inline script, which the CSP (script-src 'self') blocks")
    target = out / "landing"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(dist, target, ignore=shutil.ignore_patterns("config.json", "*.map"))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.package", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="dev", choices=STAGES)
    parser.add_argument("--out", default=str(ROOT / "infra" / "out"))
    parser.add_argument("--no-layer", action="store_true", help="skip building layer.zip (template only)")
    parser.add_argument("--no-console", action="store_true", help="skip copying the built console (web/console/dist)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    try:
        sam = build_template(args.stage, out)
        print(f"template: {sam}")
        print(f"app code: {out / 'deployment.zip'}")
        if not args.no_layer:
            print("building the shared layer (pip, manylinux x86_64 wheels) ...", flush=True)
            layer = build_layer(out)
            with zipfile.ZipFile(layer) as zf:
                unzipped = sum(i.file_size for i in zf.infolist())
            print(f"layer:    {layer} ({layer.stat().st_size // 1024} KiB zipped, {unzipped // 1024} KiB unzipped; "
                  "Lambda allows 50 MB zipped, 250 MB unzipped)")
        if not args.no_console:
            for name, dist in (("console", CONSOLE_DIST), ("sidebar", SIDEBAR_DIST), ("landing", LANDING_DIST)):
                built = build_landing(out, dist) if name == "landing" else build_console(out, dist, name)
                files = [p for p in built.rglob("*") if p.is_file()]
                print(f"{name + ':':9} {built} ({len(files)} files, "
                      f"{sum(p.stat().st_size for p in files) // 1024} KiB)")
    except PackageError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
