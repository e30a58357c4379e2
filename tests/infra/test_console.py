"""The web console on AWS (infra/console.py): a private bucket read only by the distribution (Origin Access
Control), the console and the admin API on one CloudFront origin, the single-page fallback done by a
CloudFront Function under /console/ only, the local console server's security headers, and no CORS."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devstack import console_server
from infra import console as C
from infra.template import ROLES

ROOT = Path(__file__).resolve().parents[2]


def _res(t: dict[str, Any], logical: str, kind: str) -> dict[str, Any]:
    res = t["Resources"][logical]
    assert res["Type"] == kind, logical
    return res["Properties"]


def _config(t: dict[str, Any]) -> dict[str, Any]:
    return _res(t, C.DISTRIBUTION, "AWS::CloudFront::Distribution")["DistributionConfig"]


def _origin(t: dict[str, Any], origin_id: str) -> dict[str, Any]:
    (origin,) = [o for o in _config(t)["Origins"] if o["Id"] == origin_id]
    return origin


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_bucket_is_private_and_read_only_by_this_distribution(templates, stage):
    _, t = templates[stage]
    bucket = _res(t, C.BUCKET, "AWS::S3::Bucket")
    assert bucket["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                        "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}  # no ACLs
    (sse,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert not {"WebsiteConfiguration", "AccessControl", "CorsConfiguration"} & set(bucket)  # no website endpoint

    policy = _res(t, C.BUCKET_POLICY, "AWS::S3::BucketPolicy")
    assert policy["Bucket"] == {"Ref": C.BUCKET}
    statements = policy["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1, "the distribution is the only reader"
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"  # read only: no list, no write
    assert allow["Resource"] == [{"Fn::Sub": f"${{{C.BUCKET}.Arn}}/console/*"},
                                 {"Fn::Sub": f"${{{C.BUCKET}.Arn}}/sidebar/*"},
                                 {"Fn::Sub": f"${{{C.BUCKET}.Arn}}/landing/*"}]
    source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(f":distribution/${{{C.DISTRIBUTION}}}"), "only this distribution, not any CloudFront"
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    oac = _res(t, C.OAC, "AWS::CloudFront::OriginAccessControl")["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == ("s3", "always", "sigv4")
    origin = _origin(t, C.S3_ORIGIN)
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [C.OAC, "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # OAC, not the legacy OAI
    assert origin["DomainName"] == {"Fn::GetAtt": [C.BUCKET, "RegionalDomainName"]}
    assert "OriginPath" not in origin  # /console/x is the key console/x


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_console_is_the_default_behaviour_with_the_spa_function(templates, stage):
    _, t = templates[stage]
    config = _config(t)
    default = config["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == C.S3_ORIGIN
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert default["AllowedMethods"] == ["GET", "HEAD"]
    assert default["CachePolicyId"] == {"Ref": C.CACHE_POLICY}
    assert "OriginRequestPolicyId" not in default  # nothing of the viewer's reaches the bucket
    assert default["ResponseHeadersPolicyId"] == {"Ref": C.CONSOLE_HEADERS}
    assert default["FunctionAssociations"] == [
        {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [C.SPA_FUNCTION, "FunctionARN"]}}]

    cache = _res(t, C.CACHE_POLICY, "AWS::CloudFront::CachePolicy")["CachePolicyConfig"]
    assert cache["MinTTL"] == 0, "index.html's no-cache must hold at the edge too"
    assert cache["MaxTTL"] >= 31_536_000  # the assets' year
    key = cache["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}, "the session cookie never goes to S3"
    assert key["HeadersConfig"] == {"HeaderBehavior": "none"}
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "none"}

    # The single-page fallback is the function's, not an error rewrite that would also turn the API's
    # 403 and 404 into the console's HTML with a 200.
    assert "CustomErrorResponses" not in config
    assert "DefaultRootObject" not in config  # / is the function's redirect to /console/


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_admin_paths_go_uncached_to_the_admin_api_with_everything_but_host(templates, stage):
    _, t = templates[stage]
    behaviours = _config(t)["CacheBehaviors"]
    assert [b["PathPattern"] for b in behaviours] == ["/admin/*", "/wwpic/*"]
    api = behaviours[0]
    assert api["TargetOriginId"] == C.API_ORIGIN
    assert api["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # Managed-CachingDisabled
    assert api["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # Managed-AllViewerExceptHostHeader
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}
    assert api["ViewerProtocolPolicy"] == "https-only"  # a redirected POST would lose its body
    assert "FunctionAssociations" not in api, "the SPA fallback never touches the API"
    assert api["ResponseHeadersPolicyId"] == {"Ref": C.API_HEADERS}

    origin = _origin(t, C.API_ORIGIN)
    assert origin["DomainName"] == {"Fn::Sub": "${AdminRestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    # /admin/x on the distribution is /<stage>/admin/x on API Gateway: the admin API's own stage.
    stage_name = t["Resources"]["AdminRestApi"]["Properties"]["StageName"]
    assert origin["OriginPath"] == f"/{stage_name}"
    assert t["Outputs"]["AdminApiUrl"]["Value"]["Fn::Sub"].endswith(f"/{stage_name}/admin/")
    assert origin["CustomOriginConfig"]["OriginReadTimeout"] >= t["Resources"]["AdminApi"]["Properties"]["Timeout"]
    # the origin header that makes CloudFront-Viewer-Address believable: the admin function knows its value,
    # beside Chalice's own variables (merged, not replaced)
    assert origin["OriginCustomHeaders"] == [{"HeaderName": "X-Scrm-Origin", "HeaderValue": C.ORIGIN_SECRET}]
    variables = t["Resources"]["AdminApi"]["Properties"]["Environment"]["Variables"]
    assert variables["SCRM_ORIGIN_SECRET"] == C.ORIGIN_SECRET == {
        "Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}
    assert variables["POWERTOOLS_SERVICE_NAME"] == "scrm"
    others = [r["Properties"].get("Environment", {}).get("Variables", {}) for k, r in t["Resources"].items()
              if r["Type"] == "AWS::Serverless::Function" and k != "AdminApi"]
    assert others and not any("SCRM_ORIGIN_SECRET" in v for v in others)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_qr_pictures_come_from_wecoms_picture_host_on_the_same_origin_without_cookies(templates, stage):
    """The console's CSP loads images from 'self' only; a code's QR (https://wework.qpic.cn/wwpic/…) is asked
    for at /wwpic/… (web/console/src/qr.js), and the session cookie must never reach WeCom's host."""
    _, t = templates[stage]
    (pictures,) = [b for b in _config(t)["CacheBehaviors"] if b["PathPattern"] == "/wwpic/*"]
    assert pictures["TargetOriginId"] == C.PICTURE_ORIGIN
    assert set(pictures["AllowedMethods"]) == {"GET", "HEAD"}
    assert pictures["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"  # Managed-CachingOptimized: no cookies
    assert "OriginRequestPolicyId" not in pictures  # nothing of the viewer's request is passed on
    origin = _origin(t, C.PICTURE_ORIGIN)
    assert origin["DomainName"] == "wework.qpic.cn" and "OriginPath" not in origin
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    qr_js = (Path(__file__).resolve().parents[2] / "web" / "console" / "src" / "qr.js").read_text()
    assert "'wework.qpic.cn'" in qr_js and "'/wwpic/'" in qr_js


def test_the_admin_routes_all_live_under_the_admin_behaviour():
    from infra.package import admin_routes

    routes = admin_routes()
    assert routes and all(path.startswith("/admin/") for path, _ in routes)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_function_in_the_template_is_the_tested_file(templates, stage):
    _, t = templates[stage]
    fn = _res(t, C.SPA_FUNCTION, "AWS::CloudFront::Function")
    assert fn["FunctionCode"] == (ROOT / "infra" / "console_spa.js").read_text()
    assert fn["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert fn["AutoPublish"] is True


def test_the_spa_function_under_node():
    """infra/console_spa.js in Node (node --test): routes under /console/ → index.html, files as they are,
    / → /console/, everything else (the API's paths included) a 404, never the page."""
    node = shutil.which("node")
    assert node, "node is needed (make test builds the console with it)"
    result = subprocess.run([node, "--test", "tests/infra/console_spa.test.mjs"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout and re.search(r"^# pass [1-9]", result.stdout, re.M), result.stdout


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_console_headers_are_the_local_servers(templates, stage):
    """One CSP string: devstack/console_server.py's, which the browser tests check against violations."""
    _, t = templates[stage]
    config = _res(t, C.CONSOLE_HEADERS, "AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    sent = {
        "Content-Security-Policy": security["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        "X-Content-Type-Options": "nosniff" if security["ContentTypeOptions"]["Override"] else None,
        "X-Frame-Options": security["FrameOptions"]["FrameOption"],
        "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"],
        **{h["Header"]: h["Value"] for h in config["CustomHeadersConfig"]["Items"]},
    }
    assert sent == console_server.SECURITY_HEADERS
    assert security["ContentSecurityPolicy"]["ContentSecurityPolicy"] == console_server.CSP
    assert "frame-ancestors 'none'" in console_server.CSP and "script-src 'self'" in console_server.CSP
    assert all(v["Override"] for v in security.values())
    hsts = security["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31_536_000
    # The API's answers through the distribution: HSTS, nosniff, no framing; the API's own CSP, if any, wins.
    api = _res(t, C.API_HEADERS, "AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]
    api_security = api["SecurityHeadersConfig"]
    assert api_security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert api_security["ContentTypeOptions"] == {"Override": True}
    assert api_security["FrameOptions"]["FrameOption"] == "DENY"
    assert "frame-ancestors 'none'" in api_security["ContentSecurityPolicy"]["ContentSecurityPolicy"]


def _walk(node: Any) -> Any:
    yield node
    if isinstance(node, dict):
        for k, v in node.items():
            yield k
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_no_cors_anywhere_in_the_template(templates, stage):
    """Same origin: nothing grants another origin the API. No CorsConfig in a headers policy, no Cors on the
    APIs, no OPTIONS method (API Gateway answers a preflight with 403, without Access-Control-Allow-*), and no
    Access-Control-Allow-* header anywhere (integration responses, gateway responses)."""
    _, t = templates[stage]
    for logical, res in t["Resources"].items():
        if res["Type"] == "AWS::CloudFront::ResponseHeadersPolicy":
            assert "CorsConfig" not in res["Properties"]["ResponseHeadersPolicyConfig"], logical
        if res["Type"] in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
            assert "Cors" not in res.get("Properties", {}), logical
        if res["Type"] == "AWS::S3::Bucket":
            assert "CorsConfiguration" not in res["Properties"], logical
    events = t["Resources"]["AdminApi"]["Properties"]["Events"]
    assert events and all(e["Properties"]["Method"] != "options" for e in events.values())
    assert "options" not in json.dumps(t["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]).lower()
    assert not [s for s in _walk(t) if isinstance(s, str) and "access-control-allow" in s.lower()]


def test_the_admin_api_answers_a_cross_origin_request_without_cors_headers():
    from chalice.test import Client

    from devstack.app_server import load_admin

    admin = load_admin()
    assert all(getattr(view, "cors", None) in (None, False) for methods in admin.routes.values()
               for view in methods.values())
    evil = {"Origin": "https://evil.example"}
    with Client(admin) as client:
        answers = [
            client.http.get("/admin/customers", headers=evil),  # 401: no key, no session
            client.http.get("/admin/auth/login-url?corp_id=ww1&redirect_uri=x", headers=evil),  # 400
            client.http.post("/admin/auth/login", headers={**evil, "Content-Type": "text/plain"}, body="x"),  # 415
        ]
    assert [a.status_code for a in answers] == [401, 400, 415]
    for answer in answers:
        assert not [h for h in answer.headers if h.lower().startswith("access-control-")], answer.headers


def test_the_session_cookies_work_on_the_distributions_host():
    """__Host- cookies need Secure, Path=/ and no Domain: set by the API's answer through the distribution, they
    belong to the distribution's (or the custom domain's) host, which is also the console's, and SameSite=Strict
    requests from the console are same-site. The distribution forwards the cookies to the API
    (AllViewerExceptHostHeader) and never to the bucket (the console's cache policy: none)."""
    import sys

    sys.path.insert(0, str(ROOT / "functions"))
    from admin import sessions

    for name in (sessions.SESSION_COOKIE, sessions.CSRF_COOKIE, sessions.STATE_COOKIE):
        assert name.startswith("__Host-")
        cookie = sessions._cookie(name, "v", 60)
        attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
        assert {"path", "secure", "samesite"} <= attributes and "domain" not in attributes, cookie
        assert "Path=/;" in cookie and "SameSite=Strict" in cookie


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_custom_domain_is_optional_and_needs_its_certificate(templates, stage):
    _, t = templates[stage]
    params = t["Parameters"]
    assert params["ConsoleDomain"]["Default"] == "" and params["ConsoleCertificateArn"]["Default"] == ""
    assert ":acm:us-east-1:" in params["ConsoleCertificateArn"]["AllowedPattern"]
    condition = t["Conditions"][C.HAS_DOMAIN]["Fn::And"]
    assert {json.dumps(c) for c in condition} == {
        json.dumps({"Fn::Not": [{"Fn::Equals": [{"Ref": p}, ""]}]}) for p in ("ConsoleDomain", "ConsoleCertificateArn")}
    config = _config(t)
    assert config["Aliases"]["Fn::If"][0] == C.HAS_DOMAIN
    cond, custom, default = config["ViewerCertificate"]["Fn::If"]
    assert cond == C.HAS_DOMAIN and default == {"CloudFrontDefaultCertificate": True}
    assert custom["SslSupportMethod"] == "sni-only" and custom["MinimumProtocolVersion"].startswith("TLSv1.2")
    outputs = t["Outputs"]
    assert {"ConsoleUrl", "ConsoleDistributionDomain", "ConsoleDistributionId", "ConsoleBucketName"} <= set(outputs)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_no_function_role_gains_anything_for_the_console(templates, stage):
    """Least privilege unchanged: the console is read by CloudFront through the bucket policy; no Lambda role
    gets S3 or CloudFront actions, and the stack has no role but the functions', API Gateway's logs role and
    the ones SAM adds."""
    _, t = templates[stage]
    roles = {k for k, r in t["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
    assert roles <= {*ROLES.values(), "ApiGatewayLogsRole", "CodeDeployServiceRole"}, roles - set(ROLES.values())
    for logical in ROLES.values():
        text = json.dumps(t["Resources"][logical]["Properties"].get("Policies", []))
        assert "s3:" not in text and "cloudfront:" not in text and C.BUCKET not in text, logical
