"""The merge template for ``chalice package``: everything Chalice does not declare, generated from
scrm.resources (tables, queues) and infra.access (IAM), so the template cannot drift from the code.

Chalice generates the functions, the API and one role per function; this adds the tables, queues, DLQs,
the Lambda layer, alarms, per-function least-privilege policies (replacing Chalice's), partial batch
failure reporting on the SQS event source, per-stage reserved concurrency, an optional fixed egress IP
(VPC + NAT gateway) for WeCom's trusted-IP rule, and the web console's bucket and CloudFront distribution
(infra/console.py), which also serves the admin API from the console's origin.
"""

from __future__ import annotations

from typing import Any

from scrm.resources import QUEUES, TABLES, QueueDef, TableDef

from infra.access import DRAIN, FUNCTIONS, ISSUE, PUT, READ, RECORD, WRITE, Access
from infra.console import (
    ORIGIN_SECRET,
    console_conditions,
    console_outputs,
    console_parameters,
    console_resources,
)

SECRET_PREFIX = "scrm/corps/"
# Chalice's logical ids for our functions.


def _cfn_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


# Chalice's logical ids: every route is "APIHandler"; other functions are their name in CamelCase.
LOGICAL = {fn: "APIHandler" if fn == "api_handler" else _cfn_name(fn) for fn in FUNCTIONS}
ROLES = {fn: f"{_cfn_name(fn)}Role" for fn in FUNCTIONS}
ADMIN_API = "AdminRestApi"
CALLBACK_API = "RestAPI"  # Chalice's logical id for the API of app.py's routes
# One JSON line per request on each API (API Gateway access logs): who called what, the answer, how long.
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","method":"$context.httpMethod",'
    '"path":"$context.path","status":"$context.status","latency":"$context.responseLatency",'
    '"integrationLatency":"$context.integrationLatency","time":"$context.requestTimeEpoch",'
    '"bytes":"$context.responseLength"}'
)


def table_logical_id(t: TableDef) -> str:
    return f"{_cfn_name(t.name)}Table"


def queue_logical_id(name: str) -> str:
    return f"{_cfn_name(name)}Queue"


def _sub(arn: str) -> dict[str, str]:
    return {"Fn::Sub": arn}


def table_arn(t: TableDef) -> dict[str, str]:
    return _sub(f"arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/{t.name}")


def queue_arn(name: str) -> dict[str, str]:
    return _sub(f"arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:{name}")


def _table(t: TableDef) -> dict[str, Any]:
    props: dict[str, Any] = {
        "TableName": t.name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": ty} for n, ty in t.key_attributes().items()],
        "KeySchema": [{"AttributeName": t.hash_key.name, "KeyType": "HASH"}]
        + ([{"AttributeName": t.range_key.name, "KeyType": "RANGE"}] if t.range_key else []),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
        "Tags": [{"Key": "app", "Value": "wecom-scrm"}],
    }
    if t.indexes:
        props["GlobalSecondaryIndexes"] = [
            {
                "IndexName": i.name,
                "KeySchema": [{"AttributeName": i.hash_key.name, "KeyType": "HASH"}]
                + ([{"AttributeName": i.range_key.name, "KeyType": "RANGE"}] if i.range_key else []),
                "Projection": {"ProjectionType": "ALL"},
            }
            for i in t.indexes
        ]
    if t.ttl_attribute:
        props["TimeToLiveSpecification"] = {"AttributeName": t.ttl_attribute, "Enabled": True}
    # Kept when the stack is deleted or the table replaced, but not when the very first create fails (a
    # retry would otherwise stop on the leftover names).
    return {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain",
            "Properties": props}


def _queues(q: QueueDef) -> dict[str, Any]:
    dlq_id = queue_logical_id(q.dlq_name)
    return {
        dlq_id: {
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": q.dlq_name, "MessageRetentionPeriod": q.dlq_retention_s,
                           "SqsManagedSseEnabled": True},
        },
        queue_logical_id(q.name): {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": q.name,
                "VisibilityTimeout": q.visibility_timeout_s,
                "MessageRetentionPeriod": q.retention_s,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
                                  "maxReceiveCount": q.max_receive_count},
            },
        },
        f"{dlq_id}DepthAlarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": f"Messages in {q.dlq_name}: messages that failed {q.max_receive_count} times (scrm dlq list)",
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}],
                "Statistic": "Maximum",
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": 0,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": [{"Ref": "AlarmTopic"}],
            },
        },
    }


def log_group_logical_id(fn: str) -> str:
    return f"{LOGICAL[fn]}LogGroup"


def _table_resources(names: tuple[str, ...]) -> list[dict[str, str]]:
    resources = []
    for t in (TABLES[name] for name in names):
        resources.append(table_arn(t))
        if t.indexes:
            resources.append(_sub(table_arn(t)["Fn::Sub"] + "/index/*"))
    return resources


def policy_statements(access: Access, fn: str) -> list[dict[str, Any]]:
    """The function writes only to its own log group, which the template creates (with its retention):
    no logs:CreateLogGroup, and no other function's logs."""
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": {"Fn::GetAtt": [log_group_logical_id(fn), "Arn"]}},
    ]
    if access.tables_read:
        statements.append({"Effect": "Allow", "Action": list(READ), "Resource": _table_resources(access.tables_read)})
    if access.tables_rw:
        statements.append({"Effect": "Allow", "Action": [*READ, *WRITE],
                           "Resource": _table_resources(access.tables_rw)})
    if access.tables_record:
        statements.append({"Effect": "Allow", "Action": list(RECORD),
                           "Resource": [table_arn(TABLES[name]) for name in access.tables_record]})
    for actions, names in ((PUT, access.tables_put), (DRAIN, access.tables_drain), (ISSUE, access.tables_issue)):
        if names:
            statements.append({"Effect": "Allow", "Action": list(actions),
                               "Resource": [table_arn(TABLES[name]) for name in names]})
    if access.queues_send:
        statements.append({"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"],
                           "Resource": [queue_arn(QUEUES[q].name) for q in access.queues_send]})
    if access.queues_consume:
        statements.append({
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                       "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl"],
            "Resource": [queue_arn(QUEUES[q].name) for q in access.queues_consume],
        })
    if access.read_corp_secrets:
        statements.append({
            "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
            "Resource": _sub(f"arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:"
                             f"secret:{SECRET_PREFIX}*"),
        })
    if access.list_secrets:
        # ListSecrets has no resource-level permission in IAM: "*" is the only possible resource.
        statements.append({"Effect": "Allow", "Action": ["secretsmanager:ListSecrets"], "Resource": "*"})
    return statements


def _alarm(description: str, namespace: str, metric: str, dimensions: list[dict[str, Any]]) -> dict[str, Any]:
    """Any occurrence in 5 minutes notifies the alarm topic."""
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": dimensions,
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
        },
    }


def _function_alarms(fn: str) -> dict[str, Any]:
    logical = LOGICAL[fn]
    return {
        f"{logical}{metric}Alarm": _alarm(
            f"{fn}: Lambda {metric.lower()}", "AWS/Lambda", metric,
            [{"Name": "FunctionName", "Value": {"Ref": logical}}],
        )
        for metric in ("Errors", "Throttles")
    }


def _egress() -> dict[str, Any]:
    """Optional fixed egress IP (EgressMode=nat): a VPC with one public subnet (NAT gateway + Elastic IP)
    and two private subnets for the functions. WeCom's trusted-IP rule lists the Elastic IP."""
    cond = {"Condition": "UseNat"}
    az = [{"Fn::Select": [i, {"Fn::GetAZs": ""}]} for i in (0, 1)]
    r: dict[str, Any] = {
        "Vpc": {"Type": "AWS::EC2::VPC", **cond, "Properties": {"CidrBlock": "10.40.0.0/16",
                                                                "EnableDnsHostnames": True, "EnableDnsSupport": True}},
        "InternetGateway": {"Type": "AWS::EC2::InternetGateway", **cond},
        "GatewayAttachment": {"Type": "AWS::EC2::VPCGatewayAttachment", **cond,
                              "Properties": {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "InternetGateway"}}},
        "PublicSubnet": {"Type": "AWS::EC2::Subnet", **cond,
                         "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.40.0.0/24", "AvailabilityZone": az[0]}},
        "PublicRouteTable": {"Type": "AWS::EC2::RouteTable", **cond, "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "PublicRoute": {"Type": "AWS::EC2::Route", **cond, "DependsOn": "GatewayAttachment",
                        "Properties": {"RouteTableId": {"Ref": "PublicRouteTable"},
                                       "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": {"Ref": "InternetGateway"}}},
        "PublicSubnetRoutes": {"Type": "AWS::EC2::SubnetRouteTableAssociation", **cond,
                               "Properties": {"SubnetId": {"Ref": "PublicSubnet"},
                                              "RouteTableId": {"Ref": "PublicRouteTable"}}},
        "EgressIp": {"Type": "AWS::EC2::EIP", **cond, "Properties": {"Domain": "vpc"}},
        "NatGateway": {"Type": "AWS::EC2::NatGateway", **cond,
                       "Properties": {"AllocationId": {"Fn::GetAtt": ["EgressIp", "AllocationId"]},
                                      "SubnetId": {"Ref": "PublicSubnet"}}},
        "PrivateRouteTable": {"Type": "AWS::EC2::RouteTable", **cond, "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "PrivateRoute": {"Type": "AWS::EC2::Route", **cond,
                         "Properties": {"RouteTableId": {"Ref": "PrivateRouteTable"},
                                        "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": {"Ref": "NatGateway"}}},
        "FunctionSecurityGroup": {"Type": "AWS::EC2::SecurityGroup", **cond,
                                  "Properties": {"GroupDescription": "SCRM functions: egress only",
                                                 "VpcId": {"Ref": "Vpc"}}},
    }
    for i in (0, 1):
        r[f"PrivateSubnet{i}"] = {"Type": "AWS::EC2::Subnet", **cond,
                                  "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": f"10.40.{10 + i}.0/24",
                                                 "AvailabilityZone": az[i]}}
        r[f"PrivateSubnet{i}Routes"] = {"Type": "AWS::EC2::SubnetRouteTableAssociation", **cond,
                                        "Properties": {"SubnetId": {"Ref": f"PrivateSubnet{i}"},
                                                       "RouteTableId": {"Ref": "PrivateRouteTable"}}}
    return r


def _admin_api(routes: list[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The admin API's own REST API, one method per route of the admin Chalice object (so a route that is
    not declared here cannot be reached), and the events that bind them to the admin_api function."""
    api = {
        ADMIN_API: {
            "Type": "AWS::Serverless::Api",
            # Every type is binary to API Gateway, so it decodes a base64 body Chalice marked isBase64Encoded
            # (the fission poster's image/png) whatever the request's Accept: API Gateway matches only the
            # Accept header's first type, and a browser's <img> asks image/avif first. A JSON answer is not
            # marked and passes as text; request bodies arrive base64 and Chalice's raw_body decodes them.
            # SAM spells "/" as "~1" here.
            "Properties": {"StageName": "api", "EndpointConfiguration": "REGIONAL", "BinaryMediaTypes": ["*~1*"]},
        }
    }
    events = {
        f"Admin{_cfn_name(method.lower())}{i}": {
            "Type": "Api",
            "Properties": {"RestApiId": {"Ref": ADMIN_API}, "Path": path, "Method": method.lower()},
        }
        for i, (path, method) in enumerate(routes)
    }
    return api, events


def _log_group(name: Any, retention_days: int) -> dict[str, Any]:
    return {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Delete",
            "Properties": {"LogGroupName": name, "RetentionInDays": retention_days}}


def _api_stages(stage_settings: dict[str, Any]) -> dict[str, Any]:
    """Stage throttles and access logs of both APIs (``scrm.api.<callback|admin>`` in the stage settings:
    ``rate_limit`` requests/s and ``burst_limit``; docs/deploy.md explains the numbers), their access log
    groups, and the account's CloudWatch role that API Gateway needs to write access logs at all."""
    retention = int(stage_settings["log_retention_days"])
    out: dict[str, Any] = {
        "ApiGatewayLogsRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                     "Action": "sts:AssumeRole"}]},
                "ManagedPolicyArns": [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                                                  "AmazonAPIGatewayPushToCloudWatchLogs"}],
            },
        },
        # One per account and region: the stack sets it (an account whose setting names another role
        # keeps working, API Gateway only needs some role that may write logs).
        "ApiGatewayAccount": {"Type": "AWS::ApiGateway::Account",
                              "Properties": {"CloudWatchRoleArn": {"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}}},
    }
    for api, logical in (("callback", CALLBACK_API), ("admin", ADMIN_API)):
        limits = stage_settings["api"][api]
        group = f"{logical}AccessLogGroup"
        out[group] = _log_group({"Fn::Sub": f"/aws/apigateway/${{AWS::StackName}}-{api}-access"}, retention)
        out[logical] = {
            "DependsOn": ["ApiGatewayAccount"],
            "Properties": {
                "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*",
                                    "ThrottlingRateLimit": int(limits["rate_limit"]),
                                    "ThrottlingBurstLimit": int(limits["burst_limit"])}],
                "AccessLogSetting": {"DestinationArn": {"Fn::GetAtt": [group, "Arn"]},
                                     "Format": ACCESS_LOG_FORMAT},
            },
        }
    return out


def merge_template(stage_settings: dict[str, Any], admin_routes: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """``stage_settings``: the ``scrm`` block of the stage in .chalice/config.json (per consumer:
    ``sqs_batch_size``, ``sqs_max_concurrency``). ``admin_routes``: (path, method) of the admin API.
    Memory, timeouts, reserved concurrency and environment are Chalice's own per-stage settings."""
    resources: dict[str, Any] = {
        "AlarmTopic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "wecom-scrm-alarms"}},
        "SharedLayer": {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {
                "LayerName": "wecom-scrm-shared",
                "Description": "layers/scrm and its dependencies",
                "ContentUri": "./layer.zip",
                "CompatibleRuntimes": ["python3.11"],
                "RetentionPolicy": "Retain",
            },
        },
    }
    for t in TABLES.values():
        resources[table_logical_id(t)] = _table(t)
    for q in QUEUES.values():
        resources.update(_queues(q))
    vpc_config = {
        "Fn::If": [
            "UseNat",
            {"SecurityGroupIds": [{"Ref": "FunctionSecurityGroup"}],
             "SubnetIds": [{"Ref": "PrivateSubnet0"}, {"Ref": "PrivateSubnet1"}]},
            {"Ref": "AWS::NoValue"},
        ]
    }
    consumers = stage_settings.get("consumers", {})
    admin_api, admin_events = _admin_api(admin_routes or [])
    resources.update(admin_api)
    for logical, merged in _api_stages(stage_settings).items():
        if logical in resources:  # the admin API declared above: add its stage settings
            resources[logical]["Properties"].update(merged["Properties"])
            resources[logical]["DependsOn"] = merged["DependsOn"]
        else:
            resources[logical] = merged
    retention = int(stage_settings["log_retention_days"])
    for fn, access in FUNCTIONS.items():
        resources[log_group_logical_id(fn)] = _log_group({"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{fn}"}, retention)
        props: dict[str, Any] = {"Layers": [{"Ref": "SharedLayer"}], "VpcConfig": vpc_config,
                                 "LoggingConfig": {"LogGroup": {"Ref": log_group_logical_id(fn)}}}
        fn_res: dict[str, Any] = {"Properties": props}
        if access.queues_consume:
            fn_res["DependsOn"] = [queue_logical_id(QUEUES[q].name) for q in access.queues_consume]
            source: dict[str, Any] = {"FunctionResponseTypes": ["ReportBatchItemFailures"]}
            settings = consumers.get(fn, {})
            if "sqs_batch_size" in settings:
                source["BatchSize"] = int(settings["sqs_batch_size"])
            if "sqs_batching_window_s" in settings:
                source["MaximumBatchingWindowInSeconds"] = int(settings["sqs_batching_window_s"])
            if "sqs_max_concurrency" in settings:
                # The event source never runs more pollers than the function may run: with reserved
                # concurrency alone, throttled batches count as receives and drift into the DLQ.
                source["ScalingConfig"] = {"MaximumConcurrency": int(settings["sqs_max_concurrency"])}
            fn_res["Properties"]["Events"] = {f"{LOGICAL[fn]}SqsEventSource": {"Properties": source}}
        if fn == "admin_api":
            fn_res["Properties"]["Events"] = admin_events
            # merged into Chalice's own variables: the value CloudFront's origin header carries (infra/console.py)
            props["Environment"] = {"Variables": {"SCRM_ORIGIN_SECRET": ORIGIN_SECRET}}
        resources[LOGICAL[fn]] = fn_res
        resources[ROLES[fn]] = {
            "Properties": {
                "Policies": [{"PolicyName": f"{fn}-least-privilege",
                              "PolicyDocument": {"Version": "2012-10-17", "Statement": policy_statements(access, fn)}}],
                "ManagedPolicyArns": {
                    "Fn::If": ["UseNat",
                               [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                                            "AWSLambdaVPCAccessExecutionRole"}],
                               {"Ref": "AWS::NoValue"}]
                },
            }
        }
        resources.update(_function_alarms(fn))
    resources.update(_egress())
    resources["WelcomeMissedAlarm"] = _alarm(
        "A welcome message could not be sent within WeCom's 20 s (scrm.adapters.metrics)",
        "scrm", "WelcomeMissed", [{"Name": "service", "Value": "scrm"}],
    )
    # Both mean an outage on the callback path (scrm.adapters.metrics.count_callback_fallback): events parked
    # while SQS refused them (queued later by redrive_parked_events), or answers held so that WeCom retries.
    resources["CallbackParkedAlarm"] = _alarm(
        "The callback route parked events SQS refused; redrive_parked_events queues them",
        "scrm", "CallbackParked", [{"Name": "service", "Value": "scrm"}],
    )
    resources["CallbackHeldAlarm"] = _alarm(
        "The callback route could make an event durable nowhere and held its answer so that WeCom retries",
        "scrm", "CallbackHeld", [{"Name": "service", "Value": "scrm"}],
    )
    resources.update(console_resources(ADMIN_API))
    return {
        "Parameters": {
            "EgressMode": {"Type": "String", "AllowedValues": ["direct", "nat"], "Default": "direct",
                           "Description": "nat: functions in a VPC behind a NAT gateway with one Elastic IP "
                                          "(WeCom's trusted-IP rule)"},
            **console_parameters(),
        },
        "Conditions": {"UseNat": {"Fn::Equals": [{"Ref": "EgressMode"}, "nat"]}, **console_conditions()},
        "Resources": resources,
        "Outputs": {
            "EgressIp": {"Condition": "UseNat", "Value": {"Ref": "EgressIp"},
                         "Description": "Add to WeCom's trusted IPs (企业可信IP)"},
            "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}},
            "AdminApiUrl": {"Value": {"Fn::Sub": f"https://${{{ADMIN_API}}}.execute-api.${{AWS::Region}}."
                                                 "${AWS::URLSuffix}/api/admin/"},
                            "Description": "The admin API (keys from `scrm keys create`)"},
            **console_outputs(),
        },
    }
