"""CloudWatch metrics as Embedded Metric Format log lines (Powertools): no API call, no latency, and the
alarm in the template watches them (infra/template.py: WelcomeMissedAlarm)."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = "scrm"


def count_missed_welcome(corp_id: str, reason: str) -> None:
    with single_metric(
        name="WelcomeMissed", unit=MetricUnit.Count, value=1, namespace=NAMESPACE,
        default_dimensions={"service": "scrm"},
    ) as metric:
        metric.add_metadata("corp_id", corp_id)
        metric.add_metadata("reason", reason)
