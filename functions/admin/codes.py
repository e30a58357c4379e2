"""Channel live codes, group live codes, their statistics and the corp's default welcome."""

from __future__ import annotations

from typing import Any

from chalice import Response

from admin.api import body_of, json_response, query_of, route


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.live_codes()


# channel codes (渠道活码) ------------------------------------------------------------------------
@route("/admin/channel-codes")
def channel_list(principal: Any, request: Any) -> Any:
    return _service().list_channel(principal.corp_id, query_of(request))


@route("/admin/channel-codes", methods=("POST",), write=True)
def channel_create(principal: Any, request: Any) -> Any:
    return json_response(201, _service().create_channel(principal.corp_id, body_of(request)))


@route("/admin/channel-codes/{code_id}")
def channel_get(principal: Any, request: Any, code_id: str) -> Any:
    return _service().get_channel(principal.corp_id, code_id)


@route("/admin/channel-codes/{code_id}", methods=("PUT",), write=True)
def channel_update(principal: Any, request: Any, code_id: str) -> Any:
    return _service().update_channel(principal.corp_id, code_id, body_of(request))


@route("/admin/channel-codes/{code_id}", methods=("DELETE",), write=True)
def channel_delete(principal: Any, request: Any, code_id: str) -> Any:
    return _service().delete_channel(principal.corp_id, code_id)


@route("/admin/channel-codes/{code_id}/stats")
def channel_stats(principal: Any, request: Any, code_id: str) -> Any:
    result = _service().channel_stats(principal.corp_id, code_id, query_of(request))
    if isinstance(result, str):
        return Response(
            body=result,
            status_code=200,
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{code_id}-stats.csv"',
            },
        )
    return result


# the corp's default welcome (adds without a known state) ------------------------------------------
@route("/admin/welcome-default")
def welcome_default(principal: Any, request: Any) -> Any:
    return _service().default_welcome(principal.corp_id)


@route("/admin/welcome-default", methods=("PUT",), write=True)
def welcome_default_set(principal: Any, request: Any) -> Any:
    return _service().set_default_welcome(principal.corp_id, body_of(request))


# group codes (群活码) ---------------------------------------------------------------------------
@route("/admin/group-codes")
def group_list(principal: Any, request: Any) -> Any:
    return _service().list_group(principal.corp_id, query_of(request))


@route("/admin/group-codes", methods=("POST",), write=True)
def group_create(principal: Any, request: Any) -> Any:
    return json_response(201, _service().create_group(principal.corp_id, body_of(request)))


@route("/admin/group-codes/{code_id}")
def group_get(principal: Any, request: Any, code_id: str) -> Any:
    return _service().get_group(principal.corp_id, code_id)


@route("/admin/group-codes/{code_id}", methods=("PUT",), write=True)
def group_update(principal: Any, request: Any, code_id: str) -> Any:
    return _service().update_group(principal.corp_id, code_id, body_of(request))


@route("/admin/group-codes/{code_id}", methods=("DELETE",), write=True)
def group_delete(principal: Any, request: Any, code_id: str) -> Any:
    return _service().delete_group(principal.corp_id, code_id)
