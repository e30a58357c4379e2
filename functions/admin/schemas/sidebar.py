"""The sidebar's routes (admin/sidebar.py): its login, the JS-SDK configuration, portraits and tag edits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from admin.schemas.base import NULLABLE, Body, Model


class SidebarLoginUrlQuery(Model):
    corp_id: str = Field(description="the corp whose member opens the sidebar")
    redirect_uri: str = Field(description="the sidebar page WeCom sends the client back to (a trusted domain of the app)")


class SidebarLoginUrl(Model):
    url: str = Field(description="WeCom's OAuth link (91022, scope snsapi_base) for the corp's app")
    state: str = Field(description="echoed by WeCom; send it back with the code (also set as a cookie)")


class SidebarLogin(Body):
    corp_id: str = Field(min_length=1, max_length=64, description="the corp the member belongs to")
    code: str = Field(min_length=1, max_length=512, description="the code WeCom appended to the redirect")
    state: str | None = Field(None, max_length=128, description="the state WeCom echoed; checked against the login-url cookie when that is set")


class SidebarMe(Model):
    corp_id: str
    userid: str
    name: str = Field(description="the member's name as last synced")
    role: Literal["admin", "operator", "viewer"] | None = Field(
        None, description="the member's console role, if any (admin: the corp's customers; else only their own)",
        json_schema_extra=NULLABLE)  # fmt: skip
    corp_wide: bool = Field(description="true for an admin: every customer and group of the corp may be opened")
    agent_id: str = Field(description="the app's agentid (for ww.register)")
    csrf_token: str = Field(description="the X-CSRF-Token every sidebar write must carry")
    expires_at: int = Field(description="unix seconds; idleness may end it sooner")


class SidebarLoggedOut(Model):
    logged_out: bool


class SidebarJsConfigQuery(Model):
    url: str = Field(description="the page's URL as the browser has it (its #… is ignored)")


class SidebarSignature(Model):
    timestamp: int
    nonceStr: str  # noqa: N815 (the JS-SDK's names)
    signature: str


class SidebarWxConfig(SidebarSignature):
    appId: str  # noqa: N815


class SidebarWxAgentConfig(SidebarSignature):
    corpid: str
    agentid: str


class SidebarJsConfig(Model):
    config: SidebarWxConfig = Field(description="wx.config's (ww.register getConfigSignature) fields, signed with the corp's jsapi_ticket")
    agentConfig: SidebarWxAgentConfig = Field(description="wx.agentConfig's fields, signed with the app's ticket")  # noqa: N815


class SidebarPortraitRelation(Model):
    userid: str | None = None
    member_name: str = ""
    status: str = "active"
    remark: str = ""
    description: str = ""
    add_time: int = 0
    add_way: int = Field(0, description="WeCom's add_way (1 scanned a QR, 2 searched a mobile, ...)")
    state: str = Field("", description="the channel code's state the customer came through ('' if none)")
    code_name: str = Field("", description="that channel code's name ('' if none or deleted)")
    tags: list[dict[str, str]] = Field(default_factory=list, description="[{tag_id, name}]")


class SidebarReceived(Model):
    send_id: str
    name: str = Field(description="the mass send's name (a SOP step's send: the SOP's and the step's)")
    kind: Literal["mass_send", "sop"]
    text: str = Field(description="its text, the first 200 characters")
    attachments: list[str] = Field(description="its attachments' msgtypes (image, link, miniprogram, video, file)")
    at: int = Field(description="when it was planned (unix seconds)")
    sender: str = Field(description="the member whose task holds the customer")
    status: Literal["planned", "waiting", "sending", "sent", "not_sent", "not_a_friend", "over_quota", "cancelled",
                    "failed"] = Field(description=(
        "for this customer: planned (task being created), waiting (the member has not sent the task), sending "
        "(sent, WeCom's result not read yet), sent, not_sent (the task ended without them), not_a_friend, "
        "over_quota (WeCom's own limit), cancelled, failed (WeCom refused the task)"))  # fmt: skip


class SidebarPortrait(Model):
    external_userid: str
    received: list[SidebarReceived] | None = Field(
        None, description="the newest 20 mass sends and SOP messages whose tasks hold the customer, newest first")
    tasks: list[SidebarReceived] | None = Field(
        None, description="those of them whose task is the caller's and still waits for them to send it")
    stage: dict[str, Any] | None = Field(None, description="the customer's stage: {stage: {id, name}|null, from, set_at, by_userid}")
    stages: list[dict[str, Any]] | None = Field(None, description="the corp's stages to move to: [{id, name}]")
    notes: dict[str, Any] | None = Field(None, description="the newest 5 notes {items, next_cursor} (more: GET …/notes)")
    profile: dict[str, Any] = Field(description="name, avatar, type (1 WeChat, 2 WeCom), gender, corp_name, position")
    relation: SidebarPortraitRelation | None = Field(
        None, description="the caller's own relation (null: an admin reading a customer they do not serve)",
        json_schema_extra=NULLABLE)  # fmt: skip
    others: list[SidebarPortraitRelation] = Field(description="the other members serving the customer")
    groups: list[dict[str, Any]] = Field(description="the groups the customer is in now (at most 50)")
    timeline: list[dict[str, Any]] = Field(description="the latest 20 entries, newest first")
    corp_wide: bool


class SidebarGroupPortrait(Model):
    chat_id: str
    name: str
    owner: str
    owner_name: str
    notice: str
    admins: list[str]
    create_time: int
    status: str
    labels: list[str] = Field(description="the SCRM's group labels")
    member_count: int
    customer_count: int
    members: list[dict[str, Any]] = Field(description="[{member_id, kind: staff|customer, name, join_time}]")
    sops: list[dict[str, Any]] | None = Field(None, description="the group SOPs targeting it: [{sop_id, name, status, steps}]")
    corp_wide: bool


class SidebarTagEdit(Body):
    """At least one of add, remove; on the caller's own relation."""

    add: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field([], max_length=100, description="tag ids")
    remove: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field([], max_length=100, description="tag ids")

    wording: ClassVar[Mapping[str, str]] = {
        "add": "add: a list of at most 100 tag ids",
        "remove": "remove: a list of at most 100 tag ids",
    }



class SidebarStageSet(Body):
    stage: str = Field(min_length=1, max_length=64, description="a stage id (the portrait's stages)")

    wording: ClassVar[Mapping[str, str]] = {"stage": "stage: required, a stage id (the portrait's stages)"}


class SidebarNoteInput(Body):
    text: str = Field(min_length=1, max_length=2000, description="1..2000 characters")
    note_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="the page's id for this note: a retry with it stores nothing new"
    )

    wording: ClassVar[Mapping[str, str]] = {
        "text": "text: 1..2000 characters",
        "note_id": "note_id: 1..64 letters, digits, _ or -",
    }


class SidebarSend(Body):
    """Exactly one of script_id, material_id; exactly one of external_userid, chat_id (the chat it goes to)."""

    script_id: str | None = Field(None, min_length=1, max_length=64, description="a script the member may send")
    material_id: str | None = Field(None, min_length=1, max_length=64, description="a material the member may send")
    external_userid: str | None = Field(None, min_length=1, max_length=64, description="the customer in a single chat")
    chat_id: str | None = Field(None, min_length=1, max_length=64, description="the group in a group chat")


class SidebarSendable(Model):
    kind: Literal["script", "material"]
    item_id: str
    message: dict[str, Any] = Field(description="sendChatMessage's params (98539): msgtype and its field; {name} filled")


class SidebarSent(Body):
    kind: Literal["script", "material"]
    item_id: str = Field(min_length=1, max_length=64)


class SidebarCounted(Model):
    counted: bool
    kind: str
    item_id: str
