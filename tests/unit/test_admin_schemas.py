"""The admin API's models: a pydantic error becomes the API's 400 naming the field as the API always has,
and the callback function never pays for pydantic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from admin.schemas.base import Model, field_name, validated
from admin.schemas.mass_sends import MassSendInput, MassSendQuota
from admin.schemas.transfers import TransferPolicy
from scrm.kernel.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]


def test_locations_are_spelled_as_the_api_names_fields():
    assert field_name(("recipients", "external_userids", 1)) == "recipients.external_userids[1]"
    assert field_name(("steps", 0, "at")) == "steps[0].at"
    assert field_name(()) == ""


def _refusal(model: type[Model], body: dict, wording: dict | None = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        validated(model, body, wording)
    return caught.value


def test_the_first_bad_field_is_named_unknown_fields_first_by_name():
    assert _refusal(TransferPolicy, {"zeta": 1, "alpha": 2}).field == "alpha"
    refused = _refusal(TransferPolicy, {"on_refused": "sometimes"}, {"on_refused": "on_refused: no"})
    assert (refused.field, refused.message) == ("on_refused", "on_refused: no")
    body = {"name": "n", "recipients": {"external_userids": ["wm1", 2]}}
    assert _refusal(MassSendInput, body).field == "recipients.external_userids[1]"


def test_a_route_keeps_its_wording_per_error_type():
    wording = {"msg_quota:missing": "msg_quota: required", "msg_quota": "msg_quota: one of"}
    assert _refusal(MassSendQuota, {}, wording).message == "msg_quota: required"
    assert _refusal(MassSendQuota, {"msg_quota": "hourly"}, wording).message == "msg_quota: one of"
    assert _refusal(MassSendInput, {"name": "n", "recipients": {}, "text": 5}).message.startswith("text: input should be")


def test_json_numbers_are_not_strings():
    assert _refusal(MassSendInput, {"name": "n", "recipients": {}, "text": 5}).field == "text"
    assert validated(MassSendQuota, {"msg_quota": "day_1"}).msg_quota == "day_1"


def test_the_callback_function_does_not_import_pydantic():
    script = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'functions')!r}); import app; "
        "from scrm import bootstrap; from scrm.callbacks import intake as callback_intake; "
        "print('pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_nested_fields_are_named_by_their_path_with_the_routes_wording():
    from admin.schemas.codes import ChannelCodeInput

    slot = {"start": "09:00", "end": "10:00", "staff": ["u1"]}
    body = {"name": "n", "staff": ["u1"], "schedule": [slot, slot, {**slot, "start": "9:00"}]}
    refused = _refusal(ChannelCodeInput, body)
    assert (refused.field, refused.message) == ("schedule[2].start", "schedule[2].start: must be HH:MM (24:00 allowed as an end)")


def test_every_body_is_read_through_its_model_in_the_route_wrapper():
    """No view reads a body itself: route() hands it the body its Doc's model validated (and refuses a view
    that does not take it), so the document and the validation cannot differ."""
    from admin.api import OPERATIONS

    views = [p for p in (ROOT / "functions" / "admin").glob("*.py") if p.name != "api.py"]
    assert [p.name for p in views if "body_of(" in p.read_text()] == []
    with_body = {(path, method) for path, method, _, doc in OPERATIONS if doc.body is not None}
    # 18, PUT /admin/roles/{userid}, POST /admin/auth/login, POST /admin/keys, the sidebar's login and tags, the
    # stages: PUT /admin/stages, PUT …/{external_userid}/stage, POST …/{external_userid}/notes, the sidebar's
    # stage and note, the four writes of scripts and materials (POST and PATCH each), the sidebar's own script
    # (POST and PATCH) and material (POST), send and sent, POST /admin/moments, the fission campaigns' POST
    # /admin/fission and POST …/{campaign_id}/coupons; store codes: the import, the settings, a store's edit
    # and the landing page's scan
    assert len(with_body) == 44
