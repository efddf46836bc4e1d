"""Who may edit and see talk templates."""

from __future__ import annotations

from samtal.accounts.permissions import Roles
from samtal.talk_templates.models import TemplateVersion, VersionStatus


def can_edit_templates(roles: Roles) -> bool:
    # Templates are organisation-wide, so editing them takes organisation-wide HR (or admin).
    return roles.is_org_wide_hr or roles.is_admin


def can_view_version(roles: Roles, version: TemplateVersion) -> bool:
    """Everyone may preview and export a published version; drafts and retired ones are HR's."""
    return version.status == VersionStatus.PUBLISHED or can_edit_templates(roles)
