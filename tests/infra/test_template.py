"""The packaged template: valid (cfn-lint), and one source of truth with the code and the local stack."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from scrm.adapters.dynamo.models import ALL_MODELS
from scrm.resources import QUEUES, TABLES

from infra.template import LOGICAL, queue_logical_id, table_logical_id

ROOT = Path(__file__).resolve().parents[2]


def test_cfn_lint_is_clean(templates):
    # The venv's cfn-lint (pinned in pyproject.toml), not whichever one PATH finds first.
    exe = str(Path(sys.executable).parent / "cfn-lint")
    assert Path(exe).exists(), "cfn-lint is a dev dependency (pyproject.toml)"
    for stage, (path, _) in templates.items():
        result = subprocess.run([exe, str(path)], capture_output=True, text=True)
        assert result.returncode == 0, f"{stage}: {result.stdout}{result.stderr}"


def test_every_table_is_declared_as_defined(templates):
    _, t = templates["prod"]
    for table in TABLES.values():
        res = t["Resources"][table_logical_id(table)]
        props = res["Properties"]
        assert props["TableName"] == table.name
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        keys = {k["AttributeName"]: k["KeyType"] for k in props["KeySchema"]}
        assert keys[table.hash_key.name] == "HASH"
        if table.range_key:
            assert keys[table.range_key.name] == "RANGE"
        assert {i["IndexName"] for i in props.get("GlobalSecondaryIndexes", [])} == {i.name for i in table.indexes}
        ttl = props.get("TimeToLiveSpecification")
        assert (ttl or {}).get("AttributeName") == table.ttl_attribute
        assert res["DeletionPolicy"] == "RetainExceptOnCreate" and res["UpdateReplacePolicy"] == "Retain"


def test_every_queue_has_its_dlq_and_redrive(templates):
    _, t = templates["prod"]
    for q in QUEUES.values():
        props = t["Resources"][queue_logical_id(q.name)]["Properties"]
        assert props["QueueName"] == q.name
        assert props["RedrivePolicy"]["maxReceiveCount"] == q.max_receive_count >= 2
        assert props["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [queue_logical_id(q.dlq_name), "Arn"]}
        assert t["Resources"][queue_logical_id(q.dlq_name)]["Properties"]["QueueName"] == q.dlq_name
        assert f"{queue_logical_id(q.dlq_name)}DepthAlarm" in t["Resources"]


def test_models_match_the_table_definitions():
    for model in ALL_MODELS:
        defs = {t.name: t for t in TABLES.values()}
        table = defs.get(model.Meta.table_name)
        assert table is not None, f"{model.__name__} uses an undeclared table {model.Meta.table_name}"
        hash_key = model._hash_keyname
        range_key = model._range_keyname
        assert hash_key == table.hash_key.name
        assert range_key == (table.range_key.name if table.range_key else None)
        model_indexes = {i.Meta.index_name for i in model._indexes.values()}
        assert model_indexes <= {i.name for i in table.indexes}, model.__name__


def _string_literals(path: Path) -> set[str]:
    return {n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def test_code_uses_no_table_or_queue_the_template_lacks(templates):
    """Any literal that looks like one of our resource names must be declared."""
    _, t = templates["prod"]
    declared = {r["Properties"].get("TableName") or r["Properties"].get("QueueName")
                for r in t["Resources"].values()
                if r.get("Type") in ("AWS::DynamoDB::Table", "AWS::SQS::Queue")}
    used = set()
    for folder in ("layers/scrm", "functions"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= {s for s in _string_literals(path) if re.fullmatch(r"scrm-[a-z0-9-]+", s)}
    assert used, "found no resource names at all: the scan is broken"
    assert used <= declared, f"used but not declared: {sorted(used - declared)}"


def test_consumer_queue_literal_is_a_declared_queue(templates):
    _, t = templates["prod"]
    source = (t["Resources"]["ApplyEvents"]["Properties"]["Events"]["ApplyEventsSqsEventSource"]["Properties"])
    queue_name = source["Queue"]["Fn::Sub"].rsplit(":", 1)[1]
    assert queue_name in {q.name for q in QUEUES.values()}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert t["Resources"]["ApplyEvents"]["DependsOn"] == [queue_logical_id(queue_name)]


def test_every_function_uses_the_shared_layer_and_has_alarms(templates):
    _, t = templates["prod"]
    for fn in ("APIHandler", "ApplyEvents", "RefreshTokens"):
        assert t["Resources"][fn]["Properties"]["Layers"] == [{"Ref": "SharedLayer"}]
        assert f"{fn}ErrorsAlarm" in t["Resources"] and f"{fn}ThrottlesAlarm" in t["Resources"]


@pytest.mark.parametrize("stage, level, reserved", [("dev", "DEBUG", 2), ("prod", "INFO", 20)])
def test_stage_settings_without_code_changes(templates, stage, level, reserved):
    _, t = templates[stage]
    assert t["Resources"]["ApplyEvents"]["Properties"]["ReservedConcurrentExecutions"] == reserved
    source = t["Resources"]["ApplyEvents"]["Properties"]["Events"]["ApplyEventsSqsEventSource"]["Properties"]
    assert source["ScalingConfig"]["MaximumConcurrency"] == reserved
    assert t["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]["SCRM_LOG_LEVEL"] == level


def test_queue_visibility_covers_six_consumer_timeouts(templates):
    """AWS's advice for SQS event sources: a message must not reappear while a retrying consumer runs."""
    for _, t in templates.values():
        for q in QUEUES.values():
            timeout = max(t["Resources"][LOGICAL[fn]]["Properties"]["Timeout"] for fn in q.consumers)
            assert t["Resources"][queue_logical_id(q.name)]["Properties"]["VisibilityTimeout"] >= 6 * timeout


@pytest.mark.parametrize("stage, memory, batch", [("dev", 256, 5), ("prod", 512, 10)])
def test_stage_memory_and_batch_size(templates, stage, memory, batch):
    _, t = templates[stage]
    assert t["Resources"]["ApplyEvents"]["Properties"]["MemorySize"] == memory
    events = t["Resources"]["ApplyEvents"]["Properties"]["Events"]
    assert events["ApplyEventsSqsEventSource"]["Properties"]["BatchSize"] == batch
    assert t["Resources"]["APIHandler"]["Properties"]["Timeout"] <= 10  # WeCom waits 5 s


def _stage_scrm(stage: str) -> dict:
    import json

    return json.loads((ROOT / "functions" / ".chalice" / "config.json").read_text())["stages"][stage]["scrm"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_both_apis_have_stage_throttles_from_the_settings(templates, stage):
    _, t = templates[stage]
    settings = _stage_scrm(stage)["api"]
    for api, logical in (("callback", "RestAPI"), ("admin", "AdminRestApi")):
        (method,) = t["Resources"][logical]["Properties"]["MethodSettings"]
        assert method["ResourcePath"] == "/*" and method["HttpMethod"] == "*"
        assert method["ThrottlingRateLimit"] == settings[api]["rate_limit"] > 0
        assert method["ThrottlingBurstLimit"] == settings[api]["burst_limit"] >= method["ThrottlingRateLimit"]
    # The callback API keeps its routes (the merge adds stage settings to Chalice's API, it does not replace it).
    assert "/wecom/callback/{corp_id}" in t["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_both_apis_write_json_access_logs_to_their_own_group(templates, stage):
    import json

    _, t = templates[stage]
    resources = t["Resources"]
    groups = set()
    for logical in ("RestAPI", "AdminRestApi"):
        setting = resources[logical]["Properties"]["AccessLogSetting"]
        (group, attr) = setting["DestinationArn"]["Fn::GetAtt"]
        assert attr == "Arn" and resources[group]["Type"] == "AWS::Logs::LogGroup"
        assert resources[group]["Properties"]["RetentionInDays"] == _stage_scrm(stage)["log_retention_days"]
        groups.add(group)
        fields = json.loads(setting["Format"])  # one JSON object per request
        assert {"requestId", "ip", "method", "path", "status", "latency"} <= set(fields)
        assert fields["ip"] == "$context.identity.sourceIp" and fields["latency"] == "$context.responseLatency"
        assert "ApiGatewayAccount" in resources[logical]["DependsOn"]
    assert len(groups) == 2
    account = resources["ApiGatewayAccount"]["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    assert resources[account]["Type"] == "AWS::IAM::Role"


def test_each_function_logs_to_its_own_group_only(templates):
    from infra.template import ROLES

    _, t = templates["prod"]
    resources = t["Resources"]
    for fn, logical in LOGICAL.items():
        group = resources[logical]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[group]["Type"] == "AWS::Logs::LogGroup"
        assert resources[group]["Properties"]["RetentionInDays"] == _stage_scrm("prod")["log_retention_days"]
        statements = resources[ROLES[fn]]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        logs = [st for st in statements if any(str(a).startswith("logs:") for a in st["Action"])]
        assert logs == [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                         "Resource": {"Fn::GetAtt": [group, "Arn"]}}], fn


def test_the_admin_api_passes_binary_answers_to_browsers(templates):
    """A browser's <img> asks `image/avif,image/webp,…,*/*`; API Gateway compares only that first type with
    the API's binary media types, so the admin API (the fission poster's PNG) declares */* (SAM: ``*~1*``)."""
    for _stage, (_, t) in templates.items():
        assert t["Resources"]["AdminRestApi"]["Properties"]["BinaryMediaTypes"] == ["*~1*"]
