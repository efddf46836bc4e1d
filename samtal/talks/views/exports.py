"""Downloads of the agreed record (PDF, Word) and of the basis for the salary talk (PDF).

Only the two parties of the talk download them; everyone else gets 404, HR, admins and the
employee's next manager included (they read agreed records on the page, where every read by a
non-party is audit-logged). Only a version both parties agreed to is exported, else 404.
The salary talk basis adds the development plan's outcomes since the previous agreed talk.
"""

from __future__ import annotations

from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from samtal.accounts.permissions import get_roles
from samtal.talks import record_export as documents
from samtal.talks.content_selectors import previous_agreed_talk, record_access, record_of
from samtal.talks.models import Agreement, RecordVersion, Talk

LANGUAGE_CODES = ("sv", "en")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {"pdf": "application/pdf", "docx": DOCX_TYPE}


def _party_talk_or_404(request: HttpRequest, pk: int) -> Talk:
    talk = (
        Talk.objects.select_related("employee", "manager", "unit", "template_version")
        .filter(pk=pk)
        .first()
    )
    if talk is None or not record_access(roles=get_roles(request.user), talk=talk).party:
        raise Http404
    return talk


def _language(request: HttpRequest) -> str | None:
    """?lang=sv|en, by default the user's language; None for anything else."""
    language = request.GET.get("lang", (get_language() or "sv")[:2])
    return language if language in LANGUAGE_CODES else None


def _attachment(content: bytes, fmt: str, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@require_GET
def record_export(request: HttpRequest, pk: int, number: int, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404
    talk = _party_talk_or_404(request, pk)
    version = (
        RecordVersion.objects.filter(record__talk=talk, number=number)
        .select_related("record__talk")
        .first()
    )
    # The last agreed version, or an earlier one both agreed to; never one in progress.
    if version is None or not documents.is_agreed_by_both(version):
        raise Http404
    language = _language(request)
    if language is None:
        return HttpResponse(_("Unknown language."), status=400)
    if fmt == "docx":
        content = documents.record_docx(version, language=language)
    else:
        content = documents.record_pdf(version, language=language)
    stem = documents.file_stem(version)
    return _attachment(content, fmt, f"record-{stem}-{language}.{fmt}")


def _plan_outcomes(talk: Talk, version: RecordVersion, language: str) -> list[str]:
    """What the development plan produced between the previous agreed talk and this version
    of the record (outcomes only: goals reached or not, activities done or dropped)."""
    from samtal.plans.export import plan_outcome_lines

    since = None
    previous = previous_agreed_talk(talk=talk)
    if previous is not None and previous.record.agreed_version is not None:
        since = (
            Agreement.objects.filter(version=previous.record.agreed_version, voided_at__isnull=True)
            .aggregate(last=Max("agreed_at"))
            .get("last")
        )
    return plan_outcome_lines(
        talk.employee, language=language, since=since, until=version.created_at
    )


@require_GET
def salary_basis_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    talk = _party_talk_or_404(request, pk)
    record = record_of(talk)
    version = record.agreed_version if record is not None else None
    if version is None or not documents.is_agreed_by_both(version):
        raise Http404
    language = _language(request)
    if language is None:
        return HttpResponse(_("Unknown language."), status=400)
    content = documents.salary_basis_pdf(
        version, language=language, plan_outcomes=_plan_outcomes(talk, version, language)
    )
    stem = documents.file_stem(version)
    return _attachment(content, "pdf", f"salary-talk-basis-{stem}-{language}.pdf")
