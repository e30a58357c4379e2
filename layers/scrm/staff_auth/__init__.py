"""Console staff: WeCom login, sessions and the per-corp role table (issue 18).

``model.py`` (roles, what each may do, sessions: pure) · ``errors.py`` · ``ports.py`` · ``service.py``
(login, the session check of every request, logout, granting roles) · ``repository.py`` (DynamoDB:
``scrm-staff-roles``, ``scrm-staff-sessions``) · ``wecom.py`` (``auth/getuserinfo``, mixed into the shared
gateway) · ``wiring.py``. docs/architecture.md "Issue 18 › Console login" records the decisions.
"""
