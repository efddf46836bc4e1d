"""The rooms offered for talks: HR and admin list, add, change and take them out of use."""

from __future__ import annotations

import pytest
from django.urls import reverse

from samtal.core.models import HistoryEntry
from samtal.talks.models import Room
from samtal.talks.tests.factories import RoomFactory

pytestmark = pytest.mark.django_db

ROOMS = reverse("talks:room_list")


def edit(room: Room) -> str:
    return reverse("talks:room_edit", args=[room.pk])


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


@pytest.mark.parametrize("who", ["hr", "admin_user"])
def test_room_list_with_guidance(request, login, who):
    room = RoomFactory(name="Tallen", location="House B")
    RoomFactory(name="Old room", is_active=False)
    response = login(request.getfixturevalue(who)).get(ROOMS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "not in the manager's office" in html
    assert "Tallen" in html
    assert "House B" in html
    assert "Not in use" in html
    assert f'href="{edit(room)}"' in html
    assert html.count("<h1>") == 1
    assert '<label for="id_name">' in html


def test_add_room(login, hr):
    response = login(hr).post(ROOMS, {"name": "Björken", "location": "House C", "is_active": "on"})
    assert response.status_code == 302
    room = Room.objects.get()
    assert (room.name, room.location, room.is_active) == ("Björken", "House C", True)
    assert HistoryEntry.objects.filter(action="room_created", object_id=str(room.pk)).exists()


def test_add_room_errors_are_on_the_field(login, hr):
    RoomFactory(name="Tallen")
    response = login(hr).post(ROOMS, {"name": "Tallen", "location": ""})
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert 'id="id_name_error"' in response.content.decode()
    response = login(hr).post(ROOMS, {"name": ""})
    assert response.status_code == 400
    assert Room.objects.count() == 1


def test_edit_room_and_take_it_out_of_use(login, admin_user):
    room = RoomFactory(name="Tallen", location="House B")
    client = login(admin_user)
    response = client.get(edit(room))
    assert response.status_code == 200
    assert "Change the room Tallen" in response.content.decode()
    response = client.post(edit(room), {"name": "Tallen", "location": "House B, floor 3"})
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.location == "House B, floor 3"
    assert room.is_active is False
    entry = HistoryEntry.objects.get(action="room_updated")
    assert set(entry.changes) == {"location", "is_active"}


def test_edit_room_invalid_keeps_the_saved_name_in_the_heading(login, hr):
    room = RoomFactory(name="Tallen")
    RoomFactory(name="Granen")
    response = login(hr).post(edit(room), {"name": "Granen"})
    assert response.status_code == 400
    assert "Change the room Tallen" in response.content.decode()
    room.refresh_from_db()
    assert room.name == "Tallen"


def test_missing_room_is_404(login, hr):
    assert login(hr).get(reverse("talks:room_edit", args=[999])).status_code == 404


@pytest.mark.parametrize("who", ["employee", "manager", "safety_rep"])
def test_rooms_refused(request, login, who):
    room = RoomFactory()
    client = login(request.getfixturevalue(who))
    assert client.get(ROOMS).status_code == 403
    assert client.post(ROOMS, {"name": "Mine"}).status_code == 403
    assert client.get(edit(room)).status_code == 403
    assert client.post(edit(room), {"name": "Mine"}).status_code == 403
    assert Room.objects.count() == 1


def test_rooms_need_login(client):
    response = client.get(ROOMS)
    assert response.status_code == 302
