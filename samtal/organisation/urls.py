from django.urls import path

from samtal.organisation import views

app_name = "organisation"
urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path(
        "units/<str:code>/safety-reps/add/",
        views.unit_safety_rep_add,
        name="unit_safety_rep_add",
    ),
    path(
        "units/<str:code>/safety-reps/<int:assignment_id>/remove/",
        views.unit_safety_rep_remove,
        name="unit_safety_rep_remove",
    ),
    path("people/", views.person_list, name="person_list"),
    path("people/<str:employee_number>/", views.person_detail, name="person_detail"),
    path("import/", views.people_import, name="import"),
    path("import/example.csv", views.people_import_example, name="import_example"),
]
