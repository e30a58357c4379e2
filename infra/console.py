"""The web console on AWS (issue 18, item 5): a private S3 bucket for the built console, and one CloudFront
distribution that serves it and the admin API from the same origin, as the local stack does
(devstack/console_server.py):

- default behaviour → the bucket, through Origin Access Control (the bucket is never public); a CloudFront
  Function (console_spa.js) answers the single-page app's routes with /console/index.html, so no error
  rewrite (403 → 200) is needed, which would also have turned the API's refusals into HTML;
- ``/admin/*`` → the admin API's stage, caching disabled, every header but Host, every cookie and query
  string forwarded (the managed policies CachingDisabled and AllViewerExceptHostHeader);
- the response headers of devstack/console_server.py (``SECURITY_HEADERS``, its CSP the one string) plus
  HSTS on the console; HSTS, nosniff and a deny-all CSP (the API's own wins) on the API's answers;
- an optional custom domain with its ACM certificate (us-east-1, CloudFront's requirement).

Same origin: the session cookie (``__Host-scrm_session``: Secure, no Domain, Path=/, SameSite=Strict) is set
and sent on the distribution's host, and no CORS is needed or granted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrm.settings import ORIGIN_HEADER

from devstack.console_server import CSP, SECURITY_HEADERS

BUCKET = "ConsoleBucket"
BUCKET_POLICY = "ConsoleBucketPolicy"
OAC = "ConsoleOriginAccessControl"
DISTRIBUTION = "ConsoleDistribution"
SPA_FUNCTION = "ConsoleSpaFunction"
CACHE_POLICY = "ConsoleCachePolicy"
CONSOLE_HEADERS = "ConsoleHeadersPolicy"
API_HEADERS = "ConsoleApiHeadersPolicy"
HAS_DOMAIN = "HasConsoleDomain"

PREFIX = "console"  # the bucket's key prefix = the URL path: /console/x is s3://bucket/console/x
SIDEBAR_PREFIX = "sidebar"  # the employee sidebar (web/sidebar, issue 19): /sidebar/x is s3://bucket/sidebar/x
LANDING_PREFIX = "landing"  # the customers' landing pages (web/landing, issue 21): /landing/store.html
S3_ORIGIN = "console-bucket"
API_ORIGIN = "admin-api"
PICTURE_ORIGIN = "wecom-pictures"
PICTURE_HOST = "wework.qpic.cn"  # where WeCom's QR codes are (qr_code: https://wework.qpic.cn/wwpic/…)
API_STAGE = "api"  # the admin API's stage: /admin/x on the distribution is /api/admin/x on API Gateway

# AWS's managed policies (ids from the CloudFront developer guide, the same in every account).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # no cookies, headers or query strings to the origin
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

# The header CloudFront adds to every request it sends to the admin API, with a value only this stack knows
# (its stack id's UUID): the admin function trusts CloudFront's CloudFront-Viewer-Address only when it comes
# with it, so a caller of API Gateway's own URL cannot pick its public-route counter (functions/admin/sessions.py).
ORIGIN_SECRET: dict[str, Any] = {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}

SPA_SOURCE = Path(__file__).with_name("console_spa.js")

HSTS_MAX_AGE_S = 63_072_000  # two years
# The API answers JSON and CSV, never a page: nothing may run or be framed from them.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def spa_function_code() -> str:
    return SPA_SOURCE.read_text()


def _security_headers(csp: str, override: bool) -> dict[str, Any]:
    """CloudFront's SecurityHeadersConfig for the headers of ``SECURITY_HEADERS`` (with ``csp``), and HSTS."""
    frame = SECURITY_HEADERS["X-Frame-Options"]
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    return {
        "ContentSecurityPolicy": {"ContentSecurityPolicy": csp, "Override": override},
        "ContentTypeOptions": {"Override": True},
        "FrameOptions": {"FrameOption": frame, "Override": True},
        "ReferrerPolicy": {"ReferrerPolicy": SECURITY_HEADERS["Referrer-Policy"], "Override": True},
        "StrictTransportSecurity": {"AccessControlMaxAgeSec": HSTS_MAX_AGE_S, "IncludeSubdomains": True,
                                    "Preload": False, "Override": True},
    }


# Headers of SECURITY_HEADERS that SecurityHeadersConfig has a field for; the others go in as custom headers.
_SECURITY_FIELDS = {"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"}


def _headers_policies() -> dict[str, Any]:
    custom = [{"Header": name, "Value": value, "Override": True}
              for name, value in SECURITY_HEADERS.items() if name not in _SECURITY_FIELDS]
    return {
        CONSOLE_HEADERS: {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {"ResponseHeadersPolicyConfig": {
                "Name": {"Fn::Sub": "${AWS::StackName}-console"},
                "Comment": "The console's headers: devstack/console_server.py SECURITY_HEADERS, and HSTS",
                "SecurityHeadersConfig": _security_headers(CSP, override=True),
                "CustomHeadersConfig": {"Items": custom},
            }},
        },
        API_HEADERS: {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {"ResponseHeadersPolicyConfig": {
                "Name": {"Fn::Sub": "${AWS::StackName}-console-api"},
                "Comment": "The admin API's answers through the console's origin: HSTS, nosniff, no framing",
                "SecurityHeadersConfig": _security_headers(API_CSP, override=False),
            }},
        },
    }


def _bucket() -> dict[str, Any]:
    bucket_arn = {"Fn::GetAtt": [BUCKET, "Arn"]}
    return {
        # No versioning: the bucket holds build output only (the source of truth is the git tag, and a
        # rollback deploys the previous build), and old content-hashed assets are kept anyway (deploy
        # uploads without --delete) so that a page opened before a deploy still loads its lazy chunks.
        BUCKET: {
            "Type": "AWS::S3::Bucket",
            # Like the tables: kept when the stack goes (a non-empty bucket could not be deleted anyway),
            # removed when the very first create fails.
            "DeletionPolicy": "RetainExceptOnCreate",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                   "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "Tags": [{"Key": "app", "Value": "wecom-scrm"}],
            },
        },
        BUCKET_POLICY: {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": BUCKET},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {   # this distribution only (Origin Access Control signs its requests), reads only,
                        # console/, sidebar/ and landing/ only
                        "Sid": "ConsoleDistributionReads",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": [{"Fn::Sub": f"${{{BUCKET}.Arn}}/{p}/*"} for p in (PREFIX, SIDEBAR_PREFIX, LANDING_PREFIX)],
                        "Condition": {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": (
                            f"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{DISTRIBUTION}}}")}}},
                    },
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [bucket_arn, {"Fn::Sub": f"${{{BUCKET}.Arn}}/*"}],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ]},
            },
        },
        OAC: {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {"OriginAccessControlConfig": {
                "Name": {"Fn::Sub": "${AWS::StackName}-console"},
                "Description": "The console distribution's signed reads of the console bucket",
                "OriginAccessControlOriginType": "s3",
                "SigningBehavior": "always",
                "SigningProtocol": "sigv4",
            }},
        },
    }


def _cache_policy() -> dict[str, Any]:
    """The console's files: the TTL is the object's own Cache-Control (infra/deploy.py sets it: hashed
    assets a year and immutable, index.html and config.json no-cache); MinTTL 0 so that no-cache is
    honoured at the edge too. Nothing of the viewer's request is in the key or reaches S3: no cookie
    (the session cookie never goes to the bucket), no header, no query string."""
    return {
        CACHE_POLICY: {
            "Type": "AWS::CloudFront::CachePolicy",
            "Properties": {"CachePolicyConfig": {
                "Name": {"Fn::Sub": "${AWS::StackName}-console"},
                "Comment": "Console files: TTL from the object's Cache-Control",
                "MinTTL": 0,
                "DefaultTTL": 3600,
                "MaxTTL": 31_536_000,
                "ParametersInCacheKeyAndForwardedToOrigin": {
                    "EnableAcceptEncodingGzip": True,
                    "EnableAcceptEncodingBrotli": True,
                    "HeadersConfig": {"HeaderBehavior": "none"},
                    "CookiesConfig": {"CookieBehavior": "none"},
                    "QueryStringsConfig": {"QueryStringBehavior": "none"},
                },
            }},
        },
    }


def _function() -> dict[str, Any]:
    return {
        SPA_FUNCTION: {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": {"Fn::Sub": "${AWS::StackName}-console-spa"},
                "AutoPublish": True,
                "FunctionConfig": {"Comment": "The console's routes answer /console/index.html (infra/console_spa.js)",
                                   "Runtime": "cloudfront-js-2.0"},
                "FunctionCode": spa_function_code(),
            },
        },
    }


def _distribution(admin_api: str) -> dict[str, Any]:
    no_value = {"Ref": "AWS::NoValue"}
    return {
        DISTRIBUTION: {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {"DistributionConfig": {
                "Enabled": True,
                "Comment": {"Fn::Sub": "${AWS::StackName}: web console (S3) and admin API, one origin"},
                "HttpVersion": "http2and3",
                "IPV6Enabled": True,
                # North America, Europe, Asia (Hong Kong, Singapore, Japan, …): the edges nearest mainland China.
                "PriceClass": "PriceClass_200",
                "Aliases": {"Fn::If": [HAS_DOMAIN, [{"Ref": "ConsoleDomain"}], no_value]},
                "ViewerCertificate": {"Fn::If": [
                    HAS_DOMAIN,
                    {"AcmCertificateArn": {"Ref": "ConsoleCertificateArn"}, "SslSupportMethod": "sni-only",
                     "MinimumProtocolVersion": "TLSv1.2_2021"},
                    {"CloudFrontDefaultCertificate": True},
                ]},
                "Origins": [
                    {
                        "Id": S3_ORIGIN,
                        "DomainName": {"Fn::GetAtt": [BUCKET, "RegionalDomainName"]},
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                        "OriginAccessControlId": {"Fn::GetAtt": [OAC, "Id"]},
                    },
                    {
                        "Id": API_ORIGIN,
                        "DomainName": {"Fn::Sub": f"${{{admin_api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"},
                        "OriginPath": f"/{API_STAGE}",
                        "OriginCustomHeaders": [{"HeaderName": ORIGIN_HEADER, "HeaderValue": ORIGIN_SECRET}],
                        "CustomOriginConfig": {
                            "OriginProtocolPolicy": "https-only",
                            "OriginSSLProtocols": ["TLSv1.2"],
                            "HTTPSPort": 443,
                            "OriginReadTimeout": 30,  # API Gateway answers within its own 29 s
                        },
                    },
                    {
                        # The console's CSP loads images from its own origin only: a code's QR picture, on
                        # WeCom's picture host, is asked for at the same path here (web/console/src/qr.js).
                        "Id": PICTURE_ORIGIN,
                        "DomainName": PICTURE_HOST,
                        "CustomOriginConfig": {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"],
                                               "HTTPSPort": 443},
                    },
                ],
                "DefaultCacheBehavior": {
                    "TargetOriginId": S3_ORIGIN,
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "AllowedMethods": ["GET", "HEAD"],
                    "CachedMethods": ["GET", "HEAD"],
                    "Compress": True,
                    "CachePolicyId": {"Ref": CACHE_POLICY},
                    "ResponseHeadersPolicyId": {"Ref": CONSOLE_HEADERS},
                    "FunctionAssociations": [{"EventType": "viewer-request",
                                              "FunctionARN": {"Fn::GetAtt": [SPA_FUNCTION, "FunctionARN"]}}],
                },
                "CacheBehaviors": [
                    {
                        "PathPattern": "/admin/*",
                        "TargetOriginId": API_ORIGIN,
                        # A POST must not be redirected (the body would be lost): plain http is refused.
                        "ViewerProtocolPolicy": "https-only",
                        "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                        "CachedMethods": ["GET", "HEAD"],
                        "Compress": False,  # CachingDisabled does not negotiate encodings; the API's answers are small
                        "CachePolicyId": CACHING_DISABLED,
                        "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST_HEADER,
                        "ResponseHeadersPolicyId": {"Ref": API_HEADERS},
                    },
                    {
                        "PathPattern": "/wwpic/*",
                        "TargetOriginId": PICTURE_ORIGIN,
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": ["GET", "HEAD"],
                        "CachedMethods": ["GET", "HEAD"],
                        "Compress": False,  # PNG/JPEG: already compressed
                        # No cookie reaches WeCom's host: the managed policy forwards none.
                        "CachePolicyId": CACHING_OPTIMIZED,
                        "ResponseHeadersPolicyId": {"Ref": API_HEADERS},
                    },
                ],
            }},
        },
    }


def console_parameters() -> dict[str, Any]:
    return {
        "ConsoleDomain": {
            "Type": "String", "Default": "",
            "AllowedPattern": r"^$|^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
            "Description": "Optional: the console's own host name (e.g. scrm.example.com), a domain the corp owns and "
                           "has filed (ICP) for WeCom's trusted domain; empty: the distribution's *.cloudfront.net name",
        },
        "ConsoleCertificateArn": {
            "Type": "String", "Default": "",
            "AllowedPattern": r"^$|^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+$",
            "Description": "With ConsoleDomain: an issued ACM certificate for it, in us-east-1 (CloudFront's region)",
        },
    }


def console_conditions() -> dict[str, Any]:
    """A custom domain needs its certificate: both set, or the distribution keeps its own name (infra/deploy.py
    refuses one without the other before anything changes)."""
    return {HAS_DOMAIN: {"Fn::And": [{"Fn::Not": [{"Fn::Equals": [{"Ref": "ConsoleDomain"}, ""]}]},
                                     {"Fn::Not": [{"Fn::Equals": [{"Ref": "ConsoleCertificateArn"}, ""]}]}]}}


def console_resources(admin_api: str) -> dict[str, Any]:
    return {**_bucket(), **_cache_policy(), **_headers_policies(), **_function(), **_distribution(admin_api)}


def console_outputs() -> dict[str, Any]:
    return {
        "ConsoleUrl": {
            "Value": {"Fn::If": [HAS_DOMAIN, {"Fn::Sub": "https://${ConsoleDomain}/console/"},
                                 {"Fn::Sub": f"https://${{{DISTRIBUTION}.DomainName}}/console/"}]},
            "Description": "The web console; its host (and port, none) is the WeCom app's trusted domain",
        },
        "ConsoleDistributionDomain": {
            "Value": {"Fn::GetAtt": [DISTRIBUTION, "DomainName"]},
            "Description": "Point the custom domain's CNAME (or ALIAS) here",
        },
        "ConsoleDistributionId": {"Value": {"Ref": DISTRIBUTION}},
        "ConsoleBucketName": {"Value": {"Ref": BUCKET}},
    }
