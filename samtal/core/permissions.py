from __future__ import annotations

from samtal.accounts.permissions import Roles


def can_view_audit_log(roles: Roles) -> bool:
    return roles.is_admin or roles.is_org_wide_hr
