"""The development plan as a download (PDF or Word, Swedish or English).

The employee and their current manager download it; HR in scope only when the org policy lets
HR read talk content, and that read is audit-logged; everyone else gets 404 (plans.permissions).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from samtal.accounts.permissions import get_roles
from samtal.organisation.models import Person
from samtal.plans import export
from samtal.plans.permissions import plan_access
from samtal.plans.selectors import plan_for_reader

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {"pdf": "application/pdf", "docx": DOCX_TYPE}


@require_GET
def plan_export(request: HttpRequest, person: int, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404
    subject = Person.objects.select_related("unit", "manager").filter(pk=person).first()
    if subject is None:
        raise Http404
    roles = get_roles(request.user)
    if not plan_access(roles=roles, person=subject).can_read:
        raise Http404
    language = request.GET.get("lang", (get_language() or "sv")[:2])
    if language not in export.LANGUAGES:
        return HttpResponse(_("Unknown language."), status=400)
    # Logs the read when the reader is neither the employee nor their manager (HR).
    plan_for_reader(reader=request.user, roles=roles, person=subject, path=request.path)
    if fmt == "docx":
        content = export.plan_docx(subject, language=language)
    else:
        content = export.plan_pdf(subject, language=language)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    name = export.file_name(subject, language=language, fmt=fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
