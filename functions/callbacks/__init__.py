"""WeCom callback route: verify, decrypt, de-duplicate, enqueue, answer. Nothing slow inline.

WeCom waits 5 s and retries 3 times on anything but HTTP 200, so: 200 (empty body) only once the event is
durably queued; 5xx when our side failed (WeCom retries); 4xx for requests that will never be valid.
"""

from __future__ import annotations

import time
import uuid

from chalice import Blueprint, Response

bp = Blueprint(__name__)

PATH = "/wecom/callback/{corp_id}"
CONTENT_TYPES = ["text/xml", "application/xml", "text/plain", "application/octet-stream"]


def _text(status: int, body: str = "") -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "text/plain; charset=utf-8"})


@bp.route(PATH, methods=["GET"])
def verify_url(corp_id: str) -> Response:
    from scrm import bootstrap
    from scrm.adapters.corp_registry import CorpNotFound
    from scrm.adapters.logs import bind, logger
    from scrm.services.callback_intake import Rejected, verify_url

    request = bp.current_request
    bind(corp_id=corp_id, request_id=_request_id(request))
    try:
        corp = bootstrap.corp_registry().get(corp_id)
        plain = verify_url(corp, request.query_params, bootstrap.settings().timestamp_window_s)
    except CorpNotFound:
        logger.warning("url verification for an unknown corp")
        return _text(404, "unknown corp")
    except Rejected as exc:
        logger.warning("url verification rejected", extra={"reason": exc.reason, "status": exc.status})
        return _text(exc.status, exc.reason)
    except Exception:
        logger.exception("url verification failed")
        return _text(503, "temporarily unavailable")
    logger.info("url verified")
    return _text(200, plain)


@bp.route(PATH, methods=["POST"], content_types=CONTENT_TYPES)
def receive(corp_id: str) -> Response:
    from scrm import bootstrap
    from scrm.adapters.corp_registry import CorpNotFound
    from scrm.adapters.logs import bind, logger
    from scrm.adapters.once import IdempotencyAlreadyInProgressError
    from scrm.services.callback_intake import Rejected, accept, open_event

    started = time.perf_counter()
    request = bp.current_request
    bind(corp_id=corp_id, request_id=_request_id(request))
    settings = bootstrap.settings()
    try:
        corp = bootstrap.corp_registry().get(corp_id)
        inbound = open_event(
            corp,
            request.query_params,
            request.raw_body or b"",
            settings.timestamp_window_s,
            settings.max_body_bytes,
        )
    except CorpNotFound:
        logger.warning("callback for an unknown corp")
        return _text(404, "unknown corp")
    except Rejected as exc:
        logger.warning("callback rejected", extra={"reason": exc.reason, "status": exc.status})
        return _text(exc.status, exc.reason)
    except Exception:
        logger.exception("callback could not be opened")
        return _text(503, "temporarily unavailable")

    bind(corp_id=corp_id, request_id=_request_id(request), event_key=inbound.event_id)
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
