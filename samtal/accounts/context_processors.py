from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from samtal.accounts.permissions import get_roles


def roles(request: HttpRequest) -> dict[str, Any]:
    return {"roles": get_roles(request.user)}
