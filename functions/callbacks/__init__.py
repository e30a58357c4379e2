"""WeCom callback route: verify, decrypt, de-duplicate, enqueue, answer. Nothing slow inline.

WeCom waits 5 s and retries 3 times on anything but HTTP 200, so: 200 (empty body) only once the event is
durably queued; 5xx when our side failed (WeCom retries); 4xx for requests that will never be valid.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from chalice import Blueprint, Response

T = TypeVar("T")

bp = Blueprint(__name__)

PATH = "/wecom/callback/{corp_id}"
CONTENT_TYPES = ["text/xml", "application/xml", "text/plain", "application/octet-stream"]


def _text(status: int, body: str = "") -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "text/plain; charset=utf-8"})


def _with_corp(corp_id: str, what: str, work: Callable[[Any], T]) -> tuple[T | None, Response | None]:
    """Look the corp up and run ``work(corp)``; a problem becomes the answer WeCom should get: 404 for an
    unknown corp, the Rejected status for a request that will never be valid, 503 for our own failure."""
    from scrm import bootstrap
    from scrm.adapters.corp_registry import CorpNotFound
    from scrm.adapters.logs import logger
    from scrm.services.callback_intake import Rejected

    try:
        return work(bootstrap.corp_registry().get(corp_id)), None
    except CorpNotFound:
        logger.warning(f"{what} for an unknown corp")
        return None, _text(404, "unknown corp")
    except Rejected as exc:
        logger.warning(f"{what} rejected", extra={"reason": exc.reason, "status": exc.status})
        return None, _text(exc.status, exc.reason)
    except Exception:
        logger.exception(f"{what} failed")
        return None, _text(503, "temporarily unavailable")


@bp.route(PATH, methods=["GET"])
def verify_url(corp_id: str) -> Response:
    from scrm import bootstrap
    from scrm.adapters.logs import bind, logger
    from scrm.services.callback_intake import verify_url

    request = bp.current_request
    bind(corp_id=corp_id, request_id=_request_id(request))
    window = bootstrap.settings().timestamp_window_s
    plain, problem = _with_corp(
        corp_id, "url verification", lambda corp: verify_url(corp, request.query_params, window)
    )
    if problem is not None:
        return problem
    logger.info("url verified")
    return _text(200, plain or "")


@bp.route(PATH, methods=["POST"], content_types=CONTENT_TYPES)
def receive(corp_id: str) -> Response:
    from scrm import bootstrap
    from scrm.adapters.logs import bind, logger
    from scrm.adapters.once import IdempotencyAlreadyInProgressError
    from scrm.services.callback_intake import accept, open_event

    started = time.perf_counter()
    request = bp.current_request
    request_id = _request_id(request)
    bind(corp_id=corp_id, request_id=request_id)
    settings = bootstrap.settings()
    inbound, problem = _with_corp(
        corp_id,
        "callback",
        lambda corp: open_event(
            corp,
            request.query_params,
            request.raw_body or b"",
            settings.timestamp_window_s,
            settings.max_body_bytes,
        ),
    )
    if problem is not None or inbound is None:
        return problem or _text(503, "temporarily unavailable")

    bind(corp_id=corp_id, request_id=request_id, event_key=inbound.event_id)
    try:
        accept(inbound, lambda m: bootstrap.enqueue_once()(m, bp.lambda_context), int(time.time() * 1000))
    except IdempotencyAlreadyInProgressError:
        logger.info("same event is being enqueued by another request; asking WeCom to retry")
        return _text(503, "in progress")
    except Exception:
        logger.exception("enqueue failed; asking WeCom to retry")
        return _text(503, "temporarily unavailable")
    logger.info(
        "callback accepted",
        extra={
            "event": inbound.event.event,
            "change_type": inbound.event.change_type,
            "ms": round((time.perf_counter() - started) * 1000, 2),
        },
    )
    return _text(200)


def _request_id(request: object) -> str:
    """API Gateway's request id, else the Lambda request id, else a fresh one (Chalice's local server
    gives neither): every log line of a request carries one."""
    ctx = getattr(request, "context", None) or {}
    rid = ctx.get("requestId") if isinstance(ctx, dict) else None
    if not rid:
        rid = getattr(bp.lambda_context, "aws_request_id", None)
    return str(rid or uuid.uuid4())
