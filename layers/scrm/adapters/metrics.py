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


def count_callback_fallback(metric: str, corp_id: str | None) -> None:
    """CallbackParked (SQS refused an event; it waits in the parking table for the redrive job) or
    CallbackHeld (nothing took it; the answer was held so that WeCom retries): either means an outage."""
    with single_metric(
        name=metric, unit=MetricUnit.Count, value=1, namespace=NAMESPACE, default_dimensions={"service": "scrm"},
    ) as m:
        if corp_id:
            m.add_metadata("corp_id", corp_id)
