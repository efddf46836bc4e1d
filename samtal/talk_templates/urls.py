from django.urls import path, re_path

from samtal.talk_templates import views

app_name = "talk_templates"
V = "versions/<int:pk>/"
S = V + "sections/<int:section_id>/"
Q = S + "questions/<int:question_id>/"
urlpatterns = [
    path("", views.template_list, name="template_list"),
    path("new/", views.template_create, name="template_create"),
    path(V, views.version_detail, name="version_detail"),
    path(V + "template/", views.template_update, name="template_update"),
    path(V + "publish/", views.version_publish, name="version_publish"),
    path(V + "retire/", views.version_retire, name="version_retire"),
    path(V + "new-draft/", views.version_new_draft, name="version_new_draft"),
    path(V + "discard/", views.version_discard, name="version_discard"),
    path(V + "preview/", views.version_preview, name="version_preview"),
    re_path(
        r"^versions/(?P<pk>[0-9]+)/export\.(?P<fmt>docx|pdf)$",
        views.version_export,
        name="version_export",
    ),
    path(V + "sections/add/", views.section_add, name="section_add"),
    path(S + "edit/", views.section_edit, name="section_edit"),
    path(S + "delete/", views.section_delete, name="section_delete"),
    path(S + "move/", views.section_move, name="section_move"),
    path(S + "questions/add/", views.question_add, name="question_add"),
    path(Q + "edit/", views.question_edit, name="question_edit"),
    path(Q + "delete/", views.question_delete, name="question_delete"),
    path(Q + "move/", views.question_move, name="question_move"),
]
