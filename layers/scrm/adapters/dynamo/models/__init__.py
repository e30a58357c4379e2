"""pynamodb models, one module per table; names and keys come from scrm.resources."""

from scrm.adapters.dynamo.models.acquisition import AcquisitionItem
from scrm.adapters.dynamo.models.alert import AlertItem
from scrm.adapters.dynamo.models.api_key import ApiKeyItem
from scrm.adapters.dynamo.models.channel_stat import ChannelStatItem
from scrm.adapters.dynamo.models.contact_stat import ContactStatItem
from scrm.adapters.dynamo.models.content import ContentItem
from scrm.adapters.dynamo.models.customer import CustomerItem
from scrm.adapters.dynamo.models.employee import EmployeeItem
from scrm.adapters.dynamo.models.fission import FissionItem
from scrm.adapters.dynamo.models.follow import FollowItem
from scrm.adapters.dynamo.models.group import GroupItem, GroupMemberItem
from scrm.adapters.dynamo.models.live_code import LiveCodeItem
from scrm.adapters.dynamo.models.mass_send import MassSendItem
from scrm.adapters.dynamo.models.moment import MomentItem
from scrm.adapters.dynamo.models.rate_limit import RateLimitItem
from scrm.adapters.dynamo.models.sop import SopItem
from scrm.adapters.dynamo.models.staff import StaffRoleItem, StaffSessionItem
from scrm.adapters.dynamo.models.stage import NoteItem, StageItem
from scrm.adapters.dynamo.models.store import StoreItem
from scrm.adapters.dynamo.models.sync_job import SyncJobItem
from scrm.adapters.dynamo.models.tag import TagItem
from scrm.adapters.dynamo.models.tag_member import TagMemberItem
from scrm.adapters.dynamo.models.timeline import TimelineItem
from scrm.adapters.dynamo.models.token import TokenItem
from scrm.adapters.dynamo.models.transfer import TransferItem

ALL_MODELS = (
    CustomerItem,
    FollowItem,
    TimelineItem,
    TagItem,
    TagMemberItem,
    GroupItem,
    GroupMemberItem,
    EmployeeItem,
    TokenItem,
    ApiKeyItem,
    SyncJobItem,
    RateLimitItem,
    LiveCodeItem,
    ChannelStatItem,
    AcquisitionItem,
    TransferItem,
    AlertItem,
    ContactStatItem,
    MassSendItem,
    SopItem,
    StaffRoleItem,
    StaffSessionItem,
    StageItem,
    NoteItem,
    ContentItem,
    MomentItem,
    FissionItem,
    StoreItem,
)

__all__ = [
    "ALL_MODELS",
    "NoteItem",
    "StageItem",
    "AcquisitionItem",
    "AlertItem",
    "ChannelStatItem",
    "ContactStatItem",
    "ContentItem",
    "LiveCodeItem",
    "SopItem",
    "StaffRoleItem",
    "StaffSessionItem",
    "MassSendItem",
    "MomentItem",
    "FissionItem",
    "StoreItem",
    "ApiKeyItem",
    "RateLimitItem",
    "SyncJobItem",
    "TagMemberItem",
    "CustomerItem",
    "EmployeeItem",
    "FollowItem",
    "GroupItem",
    "GroupMemberItem",
    "TagItem",
    "TimelineItem",
    "TokenItem",
    "TransferItem",
]
