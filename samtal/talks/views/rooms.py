"""The rooms offered for development talks: HR and admin list, add, change and retire them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from samtal.accounts.permissions import get_roles
from samtal.talks import services
from samtal.talks.forms.rounds import RoomForm
from samtal.talks.models import Room
from samtal.talks.permissions import can_manage_rooms


def _require_manager_of_rooms(request: HttpRequest) -> None:
    if not can_manage_rooms(get_roles(request.user)):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def room_list(request: HttpRequest) -> HttpResponse:
    """The rooms, and the form to add one (a POST here adds it)."""
    _require_manager_of_rooms(request)
    form = RoomForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        room = services.room_save(actor=request.user, room=None, data=form.cleaned_data)
        messages.success(request, _("The room %(name)s was added.") % {"name": room.name})
        return redirect("talks:room_list")
    return render(
        request,
        "talks/room_list.html",
        {"rooms": Room.objects.order_by("-is_active", "name"), "form": form},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def room_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager_of_rooms(request)
    room = get_object_or_404(Room, pk=pk)
    saved_name = room.name
    # The form checks a copy, so the service compares the posted values with the saved ones.
    form = RoomForm(request.POST or None, instance=Room.objects.get(pk=room.pk))
    if request.method == "POST" and form.is_valid():
        room = services.room_save(actor=request.user, room=room, data=form.cleaned_data)
        messages.success(request, _("The room %(name)s was saved.") % {"name": room.name})
        return redirect("talks:room_list")
    return render(
        request,
        "talks/room_form.html",
        {"room": room, "saved_name": saved_name, "form": form},
        status=400 if form.is_bound else 200,
    )
