"""``make deploy STAGE=prod``: upload the artefacts of ``make package`` and deploy the CloudFormation stack
``wecom-scrm-<stage>`` with the AWS CLI, then put the web console into its bucket: the built files from
infra/out/console/ (content-hashed assets cached for a year, index.html and config.json never), the stage's
config.json, and a CloudFront invalidation of the two uncached names. Fails with one clear line when something
it needs is missing."""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from devstack.console_server import TYPES, console_config, sidebar_config

ROOT = Path(__file__).resolve().parent.parent
# WeCom's web login for a site outside WeCom (98171); the admin API's GET /admin/auth/login-url builds the
# same from its own setting (scrm.settings.wecom_login_base).
IMMUTABLE = "public, max-age=31536000, immutable"  # assets/: a new build has new names
NO_CACHE = "no-cache"  # index.html and config.json: revalidated on every load, so a deploy shows at once
OTHER_FILES = "public, max-age=3600"  # favicon and the like: not content-hashed, rarely changed
UNCACHED = ("index.html", "config.json")
CONSOLE_PREFIX = "console"
SIDEBAR_PREFIX = "sidebar"  # the employee sidebar (issue 19), built into infra/out/sidebar/ beside console/
LANDING_PREFIX = "landing"  # the customers' landing pages (issue 21): infra/out/landing/, one HTML file per page
# WeCom's check of a trusted domain: a file it names, fetched from the domain's root (infra/console_spa.js
# serves /WW_verify_<id>.txt from console/).
VERIFY_FILE = re.compile(r"WW_verify_[A-Za-z0-9]{1,64}\.txt")


def fail(message: str) -> int:
    print(f"deploy: {message}", file=sys.stderr)
    return 1


def content_type(suffix: str) -> str:
    return TYPES.get(suffix) or mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"


def console_upload_commands(aws: str, built: Path, bucket: str, config_file: Path | None,
                            verify_file: Path | None = None, prefix: str = CONSOLE_PREFIX) -> list[list[str]]:
    """The uploads, in an order that never serves a page whose files are missing: the assets first, then the
    other files, the config, and index.html last. One ``aws s3 sync`` per kind of file, so that each gets its
    Content-Type (ours, as the local server sends it, not the CLI's guess) and Cache-Control. No --delete: the
    assets of the previous build stay, so a page opened before the deploy still loads its lazy chunks."""
    dest = f"s3://{bucket}/{prefix}"
    commands: list[list[str]] = []
    assets = built / "assets"
    suffixes = sorted({p.suffix for p in assets.rglob("*") if p.is_file()}) if assets.is_dir() else []
    for suffix in suffixes:
        commands.append([aws, "s3", "sync", str(assets), f"{dest}/assets", "--exclude", "*", "--include", f"*{suffix}",
                         "--content-type", content_type(suffix), "--cache-control", IMMUTABLE, "--only-show-errors"])
    rest = [p.relative_to(built) for p in built.rglob("*") if p.is_file()]
    others = sorted({p.suffix for p in rest if p.parts[0] != "assets" and p.as_posix() not in UNCACHED})
    for suffix in others:
        commands.append([aws, "s3", "sync", str(built), dest, "--exclude", "*", "--include", f"*{suffix}",
                         "--exclude", "assets/*", *[x for name in UNCACHED for x in ("--exclude", name)],
                         "--content-type", content_type(suffix), "--cache-control", OTHER_FILES, "--only-show-errors"])
    if verify_file is not None:
        commands.append([aws, "s3", "cp", str(verify_file), f"{dest}/{verify_file.name}", "--content-type",
                         "text/plain; charset=utf-8", "--cache-control", NO_CACHE, "--only-show-errors"])
    if config_file is not None:
        commands.append([aws, "s3", "cp", str(config_file), f"{dest}/config.json", "--content-type", TYPES[".json"],
                         "--cache-control", NO_CACHE, "--only-show-errors"])
    commands.append([aws, "s3", "cp", str(built / "index.html"), f"{dest}/index.html", "--content-type", TYPES[".html"],
                     "--cache-control", NO_CACHE, "--only-show-errors"])
    return commands


def landing_upload_commands(aws: str, built: Path, bucket: str) -> list[list[str]]:
    """The landing pages: the assets first (immutable), then the other files, the HTML pages last (no-cache:
    a deploy shows at once); no config.json (they call the admin API's public routes on the same origin)."""
    dest = f"s3://{bucket}/{LANDING_PREFIX}"
    commands: list[list[str]] = []
    assets = built / "assets"
    for suffix in sorted({p.suffix for p in assets.rglob("*") if p.is_file()}) if assets.is_dir() else []:
        commands.append([aws, "s3", "sync", str(assets), f"{dest}/assets", "--exclude", "*", "--include", f"*{suffix}",
                         "--content-type", content_type(suffix), "--cache-control", IMMUTABLE, "--only-show-errors"])
    rest = [p.relative_to(built) for p in built.rglob("*") if p.is_file() and p.relative_to(built).parts[0] != "assets"]
    for suffix in sorted({p.suffix for p in rest if p.suffix != ".html"}):
        commands.append([aws, "s3", "sync", str(built), dest, "--exclude", "*", "--include", f"*{suffix}",
                         "--exclude", "assets/*", "--content-type", content_type(suffix), "--cache-control", OTHER_FILES,
                         "--only-show-errors"])  # fmt: skip
    commands.append([aws, "s3", "sync", str(built), dest, "--exclude", "*", "--include", "*.html", "--exclude",
                     "assets/*", "--content-type", TYPES[".html"], "--cache-control", NO_CACHE, "--only-show-errors"])
    return commands


def invalidation_command(aws: str, distribution_id: str, prefixes: tuple[str, ...] = (CONSOLE_PREFIX,)) -> list[str]:
    return [aws, "cloudfront", "create-invalidation", "--distribution-id", distribution_id,
            "--paths", *(f"/{prefix}/{name}" for prefix in prefixes for name in UNCACHED)]


def stage_config(corp_id: str) -> dict[str, str]:
    """config.json for a deployment: the corp whose staff log in (the admin API builds WeCom's login URL for
    its registered app: GET /admin/auth/login-url) and the admin API on the same origin (api_base "":
    CloudFront routes /admin/*)."""
    return console_config(corp_id, api_base="")


def stack_outputs(aws: str, stack: str, env: dict[str, str]) -> dict[str, str] | None:
    result = subprocess.run([aws, "cloudformation", "describe-stacks", "--stack-name", stack,
                             "--query", "Stacks[0].Outputs", "--output", "json"],
                            capture_output=True, text=True, env=env)
    if result.returncode:
        return None
    return {o["OutputKey"]: o["OutputValue"] for o in json.loads(result.stdout or "[]") or []}


def _exists(aws: str, bucket: str, key: str, env: dict[str, str]) -> bool:
    return subprocess.run([aws, "s3api", "head-object", "--bucket", bucket, "--key", key],
                          capture_output=True, text=True, env=env).returncode == 0


def deploy_console(aws: str, out: Path, stage: str, outputs: dict[str, str], env: dict[str, str],
                   corp_id: str, verify_file: Path | None = None) -> int:
    built = out / "console"
    bucket, distribution = outputs.get("ConsoleBucketName"), outputs.get("ConsoleDistributionId")
    if not bucket or not distribution:
        return fail(f"the stack has no ConsoleBucketName / ConsoleDistributionId output (was wecom-scrm-{stage} deployed?)")
    config_file: Path | None = out / "console-config.json"
    if corp_id:
        config = stage_config(corp_id)
    elif _exists(aws, bucket, f"{CONSOLE_PREFIX}/config.json", env):
        config, config_file = {}, None  # no CONSOLE_CORP: the bucket's config.json stays as it is
        print("console: config.json kept (pass CONSOLE_CORP to change it)")
    else:
        config = stage_config("")
        print("console: no CONSOLE_CORP yet: the console's login button stays disabled until a deploy with it",
              file=sys.stderr)
    if config_file is not None:
        config_file.write_text(json.dumps(config, ensure_ascii=False, indent=2))
    uploads = console_upload_commands(aws, built, bucket, config_file, verify_file)
    prefixes: tuple[str, ...] = (CONSOLE_PREFIX,)
    sidebar = out / SIDEBAR_PREFIX
    if (sidebar / "index.html").is_file():
        # The sidebar's config.json names no WeCom client stand-in (that is the local stack's only) and the
        # admin API on the same origin; the corp and the app come from the signatures (web/sidebar/src).
        sidebar_file = out / "sidebar-config.json"
        sidebar_file.write_text(json.dumps(sidebar_config(api_base="", client_script=""), indent=2))
        uploads += console_upload_commands(aws, sidebar, bucket, sidebar_file, prefix=SIDEBAR_PREFIX)
        prefixes += (SIDEBAR_PREFIX,)
    landing = out / LANDING_PREFIX
    invalidations = [invalidation_command(aws, distribution, prefixes)]
    if any(landing.glob("*.html")):
        uploads += landing_upload_commands(aws, landing, bucket)
        invalidations[0] += [f"/{LANDING_PREFIX}/*.html"]
    for command in [*uploads, *invalidations]:
        print("+", " ".join(command[:4]), "...", flush=True)
        if subprocess.run(command, env=env, stdout=subprocess.DEVNULL if "cloudfront" in command else None).returncode:
            return fail(f"{' '.join(command[1:3])} failed (see above); run make deploy again")
    print(f"console: {outputs.get('ConsoleUrl', '?')}")
    return 0


def check_pairs(args: Any) -> str | None:
    if bool(args.console_domain) != bool(args.console_certificate):
        return ("CONSOLE_DOMAIN and CONSOLE_CERT go together (the console's host name and its ACM certificate "
                "in us-east-1)")
    if args.console_certificate and ":acm:us-east-1:" not in args.console_certificate:
        return "CONSOLE_CERT must be an ACM certificate in us-east-1 (CloudFront takes certificates only from there)"
    if args.wecom_verify_file:
        path = Path(args.wecom_verify_file)
        if not VERIFY_FILE.fullmatch(path.name):
            return "WECOM_VERIFY_FILE must be the file WeCom offers, named WW_verify_<letters and digits>.txt"
        if not path.is_file():
            return f"WECOM_VERIFY_FILE {path} does not exist"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy", description=__doc__)
    parser.add_argument("--stage", default="dev", choices=("dev", "prod"))
    parser.add_argument("--bucket", default=os.environ.get("ARTIFACT_BUCKET"),
                        help="S3 bucket for the artefacts (or ARTIFACT_BUCKET)")
    parser.add_argument("--egress", choices=("direct", "nat"),
                        help="nat: fixed egress IP through a NAT gateway (WeCom's trusted-IP rule); "
                             "omitted: the stack keeps its current setting (direct on the first deploy)")
    parser.add_argument("--console-corp", default=os.environ.get("CONSOLE_CORP", ""),
                        help="the corp whose staff log in to the console (or CONSOLE_CORP); omitted: config.json stays")
    parser.add_argument("--console-domain", default=os.environ.get("CONSOLE_DOMAIN", ""),
                        help="the console's own host name (or CONSOLE_DOMAIN); omitted: the stack keeps its setting")
    parser.add_argument("--console-certificate", default=os.environ.get("CONSOLE_CERT", ""),
                        help="its ACM certificate ARN in us-east-1 (or CONSOLE_CERT)")
    parser.add_argument("--wecom-verify-file", default=os.environ.get("WECOM_VERIFY_FILE", ""),
                        help="WeCom's WW_verify_….txt for the trusted domain (or WECOM_VERIFY_FILE): served at "
                             "the domain's root; it stays in the bucket for later deploys")
    parser.add_argument("--out", default=str(ROOT / "infra" / "out"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    problem = check_pairs(args)
    if problem:
        return fail(problem)
    aws = shutil.which("aws")
    if not aws:
        return fail("the AWS CLI is not installed (https://docs.aws.amazon.com/cli/)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}  # never the local stack
    who = subprocess.run([aws, "sts", "get-caller-identity"], capture_output=True, text=True, env=env)
    if who.returncode:
        return fail("no usable AWS credentials (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
    if not args.bucket:
        return fail("no artefact bucket: set ARTIFACT_BUCKET=<an S3 bucket in the target account>")
    for name in ("sam.json", "deployment.zip", "layer.zip", "console/index.html"):
        if not (out / name).exists():
            return fail(f"{out / name} is missing: run make package STAGE={args.stage} first")
    packaged = out / "packaged.json"
    overrides = [*([f"EgressMode={args.egress}"] if args.egress else []),
                 *([f"ConsoleDomain={args.console_domain}", f"ConsoleCertificateArn={args.console_certificate}"]
                   if args.console_domain else [])]
    stack = f"wecom-scrm-{args.stage}"
    steps = [
        [aws, "cloudformation", "package", "--template-file", str(out / "sam.json"), "--s3-bucket", args.bucket,
         "--s3-prefix", f"wecom-scrm/{args.stage}", "--output-template-file", str(packaged), "--use-json"],
        [aws, "cloudformation", "deploy", "--template-file", str(packaged), "--stack-name",
         stack, "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND",
         *(["--parameter-overrides", *overrides] if overrides else []),
         "--no-fail-on-empty-changeset"],
    ]
    for step in steps:
        print("+", " ".join(step[:3]), "...", flush=True)
        if subprocess.run(step, cwd=out, env=env).returncode:
            return fail(f"{' '.join(step[1:3])} failed (see above); CloudFormation rolls a failed update back")
    outputs = stack_outputs(aws, stack, env)
    if outputs is None:
        return fail(f"could not read the outputs of {stack} (aws cloudformation describe-stacks)")
    verify_file = Path(args.wecom_verify_file) if args.wecom_verify_file else None
    if deploy_console(aws, out, args.stage, outputs, env, args.console_corp, verify_file):
        return 1
    print(f"deployed {stack}; outputs: aws cloudformation describe-stacks --stack-name {stack} "
          "--query Stacks[0].Outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
