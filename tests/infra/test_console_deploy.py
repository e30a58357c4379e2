"""``make package`` builds infra/out/console/ and uploads nothing; ``make deploy`` puts the console into its
bucket with the right caching, writes the stage's config.json and invalidates the uncached names. The AWS CLI
is replaced by a script that records its arguments (no AWS here)."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from devstack import console_server
from infra import deploy, package

FAKE_AWS = r"""#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_AWS_LOG"], "a") as log:
    log.write(json.dumps(args) + "\n")
if args[:2] == ["cloudformation", "describe-stacks"]:
    print(json.dumps([
        {{"OutputKey": "ConsoleBucketName", "OutputValue": "console-bucket-123"}},
        {{"OutputKey": "ConsoleDistributionId", "OutputValue": "E2EXAMPLE"}},
        {{"OutputKey": "ConsoleUrl", "OutputValue": "https://d111111abcdef8.cloudfront.net/console/"}},
    ]))
if args[:2] == ["s3api", "head-object"]:
    sys.exit(0 if os.environ.get("FAKE_AWS_CONFIG_EXISTS") else 255)
if args[:2] == ["s3", "cp"] and args[-1:] != ["--only-show-errors"]:
    sys.exit(2)
if args[:2] == ["s3", "cp"] and args[2].endswith(".json"):
    with open(os.environ["FAKE_AWS_LOG"] + ".config", "w") as f:
        f.write(open(args[2]).read())
"""


def _dist(root: Path, index: str | None = None) -> Path:
    dist = root / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(index or '<!doctype html><script type="module" crossorigin '
                                     'src="/console/assets/index-abc.js"></script><div id="app"></div>')
    (dist / "assets" / "index-abc.js").write_text("console.log(1)")
    (dist / "assets" / "index-def.css").write_text("body{}")
    (dist / "favicon.svg").write_text("<svg/>")
    (dist / "config.json").write_text('{"corp_id": "a local one"}')
    return dist


def test_package_copies_the_built_console_without_a_config(tmp_path):
    out = tmp_path / "out"
    built = package.build_console(out, _dist(tmp_path))
    assert built == out / "console"
    files = sorted(p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file())
    assert files == ["assets/index-abc.js", "assets/index-def.css", "favicon.svg", "index.html"]
    package.build_console(out, _dist(tmp_path / "again"))  # a second build replaces the first
    assert (out / "console" / "index.html").is_file()


def test_package_refuses_a_missing_build_or_an_inline_script(tmp_path):
    with pytest.raises(package.PackageError, match="make web"):
        package.build_console(tmp_path / "out", tmp_path / "nowhere")
    inline = _dist(tmp_path, '<!doctype html><script>window.x = 1</script><div id="app"></div>')
    with pytest.raises(package.PackageError, match="inline script"):
        package.build_console(tmp_path / "out", inline)


def test_the_upload_order_and_caching(tmp_path):
    built = _dist(tmp_path)
    (built / "config.json").unlink()
    commands = deploy.console_upload_commands("aws", built, "b", tmp_path / "config.json")
    targets = [c[4] for c in commands]  # aws s3 sync|cp SOURCE TARGET ...
    # every asset kind first, then the other files, the config, and index.html last
    assert targets == ["s3://b/console/assets", "s3://b/console/assets", "s3://b/console",
                       "s3://b/console/config.json", "s3://b/console/index.html"]
    for command in commands:
        assert "--delete" not in command, "old assets stay for pages opened before the deploy"
        cache = command[command.index("--cache-control") + 1]
        ctype = command[command.index("--content-type") + 1]
        target = command[4]
        if "/assets" in target:
            assert cache == "public, max-age=31536000, immutable"
            suffix = command[command.index("--include") + 1][1:]
            assert ctype == console_server.TYPES[suffix]
        elif target.endswith(("index.html", "config.json")):
            assert cache == "no-cache"
            assert ctype == console_server.TYPES[Path(target).suffix]
        else:  # favicon.svg: not hashed, an hour
            assert cache == "public, max-age=3600" and ctype == "image/svg+xml"
            excluded = {command[i + 1] for i, arg in enumerate(command) if arg == "--exclude"}
            assert {"*", "assets/*", "index.html", "config.json"} <= excluded
    assert deploy.invalidation_command("aws", "E1")[-2:] == ["/console/index.html", "/console/config.json"]


def test_the_stage_config_is_the_consoles_shape_naming_the_corp():
    config = deploy.stage_config("ww0123456789abcdef")
    assert set(config) == set(console_server.console_config("x"))  # what web/console/src/config.js reads
    assert config == {"corp_id": "ww0123456789abcdef", "api_base": ""}  # the API builds WeCom's login URL


@pytest.fixture
def fake_aws(tmp_path, monkeypatch) -> dict[str, Any]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    aws = bin_dir / "aws"
    aws.write_text(FAKE_AWS.format(python=sys.executable))
    aws.chmod(aws.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "aws.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_AWS_LOG", str(log))
    for name in ("CONSOLE_CORP", "CONSOLE_DOMAIN", "CONSOLE_CERT", "WECOM_VERIFY_FILE",
                 "FAKE_AWS_CONFIG_EXISTS"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "out"
    out.mkdir()
    for name in ("sam.json", "deployment.zip", "layer.zip"):
        (out / name).write_text("{}")
    package.build_console(out, _dist(tmp_path))

    def calls() -> list[list[str]]:
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    return {"out": out, "calls": calls, "config": Path(f"{log}.config")}


def _run(fake: dict[str, Any], *extra: str) -> int:
    return deploy.main(["--stage", "prod", "--bucket", "artefacts", "--out", str(fake["out"]), *extra])


def test_deploy_writes_the_config_uploads_and_invalidates(fake_aws):
    assert _run(fake_aws, "--console-corp", "ww0123456789abcdef") == 0
    calls = fake_aws["calls"]()
    verbs = [c[:2] for c in calls]
    assert verbs[:4] == [["sts", "get-caller-identity"], ["cloudformation", "package"],
                         ["cloudformation", "deploy"], ["cloudformation", "describe-stacks"]]
    deploy_call = calls[2]
    assert "--parameter-overrides" not in deploy_call  # nothing asked: the stack keeps its parameters
    uploads = [c for c in calls if c[0] == "s3"]
    assert all("s3://console-bucket-123/console" in c[3] for c in uploads)
    assert uploads[-1][3] == "s3://console-bucket-123/console/index.html"
    assert calls[-1][:2] == ["cloudfront", "create-invalidation"] and "E2EXAMPLE" in calls[-1]
    assert json.loads(fake_aws["config"].read_text()) == deploy.stage_config("ww0123456789abcdef")


def test_deploy_without_a_corp_keeps_the_buckets_config(fake_aws, monkeypatch):
    monkeypatch.setenv("FAKE_AWS_CONFIG_EXISTS", "1")
    assert _run(fake_aws) == 0
    calls = fake_aws["calls"]()
    assert [c[:2] for c in calls if c[0] == "s3api"][0] == ["s3api", "head-object"]
    assert not [c for c in calls if c[0] == "s3" and c[3].endswith("config.json")]
    assert not fake_aws["config"].exists()


def test_a_first_deploy_without_a_corp_writes_an_empty_one(fake_aws):
    assert _run(fake_aws) == 0
    assert json.loads(fake_aws["config"].read_text()) == deploy.stage_config("")


def test_deploy_passes_the_custom_domain_with_its_certificate(fake_aws):
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-0123456789ab"
    assert _run(fake_aws, "--console-domain", "scrm.example.com", "--console-certificate", cert, "--egress", "nat") == 0
    deploy_call = next(c for c in fake_aws["calls"]() if c[:2] == ["cloudformation", "deploy"])
    overrides = deploy_call[deploy_call.index("--parameter-overrides") + 1:]
    assert {"EgressMode=nat", "ConsoleDomain=scrm.example.com", f"ConsoleCertificateArn={cert}"} <= set(overrides)


def test_deploy_serves_wecoms_verification_file(fake_aws, tmp_path):
    verify = tmp_path / "WW_verify_AbC123xyz.txt"
    verify.write_text("AbC123xyz")
    assert _run(fake_aws, "--wecom-verify-file", str(verify)) == 0
    (upload,) = [c for c in fake_aws["calls"]() if c[:2] == ["s3", "cp"] and c[2] == str(verify)]
    assert upload[3] == "s3://console-bucket-123/console/WW_verify_AbC123xyz.txt"  # / rewrites to console/
    assert upload[upload.index("--content-type") + 1].startswith("text/plain")


@pytest.mark.parametrize("extra, message", [
    (["--console-domain", "scrm.example.com"], "CONSOLE_DOMAIN and CONSOLE_CERT go together"),
    (["--console-domain", "scrm.example.com", "--console-certificate",
      "arn:aws:acm:ap-east-1:123456789012:certificate/x"], "us-east-1"),
    (["--wecom-verify-file", "/tmp/verify.txt"], "WW_verify_"),
    (["--wecom-verify-file", "/nonexistent/WW_verify_abc.txt"], "does not exist"),
])
def test_deploy_refuses_half_a_setting_before_calling_aws(fake_aws, capsys, extra, message):
    assert _run(fake_aws, *extra) == 1
    assert message in capsys.readouterr().err
    assert fake_aws["calls"]() == []


def test_deploy_needs_the_packaged_console(fake_aws, capsys):
    (fake_aws["out"] / "console" / "index.html").unlink()
    assert _run(fake_aws) == 1
    assert "console/index.html is missing: run make package" in capsys.readouterr().err


def test_deploy_puts_the_sidebar_beside_the_console_without_a_client_stand_in(fake_aws, tmp_path):
    """The sidebar (issue 19) goes under sidebar/ of the same bucket after the console, its config.json naming
    no WeCom client stand-in, and both apps' uncached names are invalidated."""
    package.build_console(fake_aws["out"], _dist(tmp_path / "sidebar"), "sidebar")
    assert _run(fake_aws, "--console-corp", "ww0123456789abcdef") == 0
    calls = fake_aws["calls"]()
    uploads = [c for c in calls if c[0] == "s3"]
    console = [i for i, c in enumerate(uploads) if c[3].startswith("s3://console-bucket-123/console")]
    sidebar = [i for i, c in enumerate(uploads) if c[3].startswith("s3://console-bucket-123/sidebar")]
    assert console and sidebar and max(console) < min(sidebar)
    assert uploads[-1][3] == "s3://console-bucket-123/sidebar/index.html"
    config = next(c for c in uploads if c[3] == "s3://console-bucket-123/sidebar/config.json")
    assert json.loads(Path(config[2]).read_text()) == {"api_base": "", "client_script": ""}
    assert calls[-1][-4:] == ["/console/index.html", "/console/config.json", "/sidebar/index.html",
                              "/sidebar/config.json"]
