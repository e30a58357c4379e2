"""Console login and the role table (admin/sessions.py, admin/roles.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Literal

from pydantic import Field

from admin.schemas.base import Body, Model

RoleName = Literal["admin", "operator", "viewer"]


class LoginUrlQuery(Model):
    corp_id: str = Field(description="the corp whose members log in")
    redirect_uri: str = Field(description="the console page WeCom sends the browser back to (a trusted domain of the app)")


class LoginUrl(Model):
    url: str = Field(description="WeCom's web login page (login_type=CorpApp) for the corp's app")
    state: str = Field(description="echoed by WeCom; send it back with the code (also set as a cookie)")


class Login(Body):
    corp_id: str = Field(min_length=1, max_length=64, description="the corp the member logs in to")
    code: str = Field(min_length=1, max_length=512, description="the code WeCom appended to the redirect")
    state: str | None = Field(None, max_length=128, description="the state WeCom echoed; checked against the login-url cookie when that is set")


class Me(Model):
    corp_id: str
    userid: str = Field(description="the member ('' for an API key)")
    name: str = Field(description="the member's name as last synced")
    role: RoleName
    via: Literal["session", "key"]
    csrf_token: str | None = Field(None, description="session only: the X-CSRF-Token every write must carry")
    expires_at: int | None = Field(None, description="session only: unix seconds; idleness may end it sooner")
    idle_expires_at: int | None = Field(None, description="session only: when it ends without another request")


class LoggedOut(Model):
    logged_out: bool


class RoleGrant(Model):
    userid: str
    name: str = Field(description="as last synced ('' if not synced)")
    role: RoleName
    granted_at: int = Field(description="unix seconds")
    granted_by: str = Field(description="the member, 'key:<id>' or 'cli' that granted it")


class RoleList(Model):
    roles: list[RoleGrant]


class SetRole(Body):
    role: RoleName


class Revoked(Model):
    revoked: str


class ApiKey(Model):
    key_id: str
    role: Literal["admin", "viewer"]
    name: str
    created_at: int | None = Field(None, description="unix seconds")
    revoked: bool


class ApiKeyList(Model):
    keys: list[ApiKey] = Field(description="the corp's keys, revoked ones too, oldest first; never the keys")


class NewApiKey(Body):
    role: Literal["admin", "viewer"] = Field(description="admin: read and write; viewer: read only")
    name: str = Field("", max_length=100, description="what the key is for (shown in the list)")
    wording: ClassVar[Mapping[str, str]] = {
        "role": "role: admin (read and write) or viewer (read only)",
        "name": "name: text of at most 100 characters",
    }


class CreatedApiKey(Model):
    key_id: str
    key: str = Field(description="scrm_<id>_<secret>: shown this once, only its hash is stored")
    corp_id: str
    role: Literal["admin", "viewer"]
    name: str
