"""The role table and the sessions in DynamoDB (``scrm-staff-roles``, ``scrm-staff-sessions``), and the
members' names from the synced directory (``scrm-employees``)."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError

from scrm.adapters.dynamo.conditional import condition_failed
from scrm.adapters.dynamo.models import EmployeeItem, StaffRoleItem, StaffSessionItem
from scrm.staff_auth.model import CONSOLE, RoleGrant, Session, StaffRole

R, S = StaffRoleItem, StaffSessionItem


def _grant(item: StaffRoleItem) -> RoleGrant:
    return RoleGrant(item.pk, item.sk, StaffRole(item.role), int(item.granted_at), item.granted_by or "")


class DynamoStaffRoles:
    def role(self, corp_id: str, userid: str) -> RoleGrant | None:
        try:
            return _grant(R.get(corp_id, userid, consistent_read=True))
        except DoesNotExist:
            return None

    def roles(self, corp_id: str) -> list[RoleGrant]:
        return [_grant(i) for i in R.query(corp_id, consistent_read=True)]

    def put_role(self, grant: RoleGrant) -> None:
        R(grant.corp_id, grant.userid, role=grant.role.value, granted_at=grant.granted_at,
          granted_by=grant.granted_by or None).save()  # fmt: skip

    def delete_role(self, corp_id: str, userid: str) -> bool:
        try:
            R(corp_id, userid).delete(condition=R.pk.exists())
        except DeleteError as exc:
            if condition_failed(exc):
                return False
            raise
        return True


class DynamoStaffSessions:
    def save_session(self, session: Session) -> None:
        S(session.key, corp_id=session.corp_id, userid=session.userid, name=session.name or None,
          role=session.role.value if session.role else None, csrf=session.csrf, created_at=session.created_at,
          last_seen=session.last_seen, expires_at=session.expires_at,
          kind=None if session.kind == CONSOLE else session.kind).save(condition=S.pk.does_not_exist())  # fmt: skip

    def session(self, key: str) -> Session | None:
        """Read consistently: the console's first request follows its login at once."""
        try:
            i = S.get(key, consistent_read=True)
        except DoesNotExist:
            return None
        return Session(i.pk, i.corp_id, i.userid, i.name or "", StaffRole(i.role) if i.role else None, i.csrf,
                       int(i.created_at), int(i.last_seen), i.kind or CONSOLE)  # fmt: skip

    def touch_session(self, key: str, last_seen: int) -> None:
        """Move last_seen forward (never back: two containers may touch at once); a session deleted
        meanwhile (logout) is not brought back."""
        try:
            S(key).update(actions=[S.last_seen.set(last_seen)],
                          condition=S.pk.exists() & (S.last_seen < last_seen))  # fmt: skip
        except UpdateError as exc:  # someone else was later, or the member logged out
            if not condition_failed(exc):
                raise

    def delete_session(self, key: str) -> None:
        S(key).delete()


class DynamoMembers:
    def member_name(self, corp_id: str, userid: str) -> str | None:
        try:
            item = EmployeeItem.get(corp_id, userid)
        except DoesNotExist:
            return None
        return None if (item.status or "active") != "active" else (item.name or "")
