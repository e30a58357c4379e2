"""``make deploy STAGE=prod``: upload the artefacts of ``make package`` and deploy the CloudFormation stack
``wecom-scrm-<stage>`` with the AWS CLI. Fails with one clear line when something it needs is missing."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fail(message: str) -> int:
    print(f"deploy: {message}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy", description=__doc__)
    parser.add_argument("--stage", default="dev", choices=("dev", "prod"))
    parser.add_argument("--bucket", default=os.environ.get("ARTIFACT_BUCKET"),
                        help="S3 bucket for the artefacts (or ARTIFACT_BUCKET)")
    parser.add_argument("--egress", choices=("direct", "nat"),
                        help="nat: fixed egress IP through a NAT gateway (WeCom's trusted-IP rule); "
                             "omitted: the stack keeps its current setting (direct on the first deploy)")
    parser.add_argument("--out", default=str(ROOT / "infra" / "out"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    aws = shutil.which("aws")
    if not aws:
        return fail("the AWS CLI is not installed (https://docs.aws.amazon.com/cli/)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}  # never the local stack
    who = subprocess.run([aws, "sts", "get-caller-identity"], capture_output=True, text=True, env=env)
    if who.returncode:
        return fail("no usable AWS credentials (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
    if not args.bucket:
        return fail("no artefact bucket: set ARTIFACT_BUCKET=<an S3 bucket in the target account>")
    for name in ("sam.json", "deployment.zip", "layer.zip"):
        if not (out / name).exists():
            return fail(f"{out / name} is missing: run make package STAGE={args.stage} first")
    packaged = out / "packaged.json"
    steps = [
        [aws, "cloudformation", "package", "--template-file", str(out / "sam.json"), "--s3-bucket", args.bucket,
         "--s3-prefix", f"wecom-scrm/{args.stage}", "--output-template-file", str(packaged), "--use-json"],
        [aws, "cloudformation", "deploy", "--template-file", str(packaged), "--stack-name",
         f"wecom-scrm-{args.stage}", "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND",
         *(["--parameter-overrides", f"EgressMode={args.egress}"] if args.egress else []),
         "--no-fail-on-empty-changeset"],
    ]
    for step in steps:
        print("+", " ".join(step[:3]), "...", flush=True)
        if subprocess.run(step, cwd=out, env=env).returncode:
            return fail(f"{' '.join(step[1:3])} failed (see above); CloudFormation rolls a failed update back")
    print(f"deployed wecom-scrm-{args.stage}; outputs: aws cloudformation describe-stacks --stack-name "
          f"wecom-scrm-{args.stage} --query Stacks[0].Outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
