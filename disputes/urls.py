from django.urls import path

from . import agreement_views, roster_views, session_views, views

app_name = "disputes"

urlpatterns = [
    # --- leads (views.py) ---
    path("", views.lead_list, name="lead_list"),
    path("new/<int:detention_pk>/", views.lead_create, name="lead_create"),
    path("<int:pk>/", views.lead_detail, name="lead_detail"),
    path("<int:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("<int:pk>/parties/", views.party_add, name="party_add"),
    path("<int:pk>/parties/<int:party_pk>/remove/", views.party_remove, name="party_remove"),
    path("<int:pk>/plan/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/plan/review/", views.plan_review, name="plan_review"),
    # --- agreement, its PDF and judicial confirmation (agreement_views.py) ---
    path("<int:pk>/agreement/", agreement_views.agreement_edit, name="agreement_edit"),
    path("<int:pk>/agreement/pdf/", agreement_views.agreement_pdf, name="agreement_pdf"),
    path("<int:pk>/agreement/pdf/status/", agreement_views.agreement_pdf_status, name="agreement_pdf_status"),
    path("<int:pk>/agreement/confirmation/", agreement_views.confirmation_request, name="confirmation_request"),
    path("confirmations/", agreement_views.confirmation_list, name="confirmation_list"),
    path("confirmations/<int:pk>/", agreement_views.confirmation_detail, name="confirmation_detail"),
    # --- sessions and the room calendar (session_views.py) ---
    path("<int:pk>/sessions/new/", session_views.session_create, name="session_create"),
    path("sessions/", session_views.session_list, name="session_list"),
    path("sessions/<int:pk>/", session_views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/result/", session_views.session_result, name="session_result"),
    path("sessions/<int:pk>/no-show/", session_views.session_no_show, name="session_no_show"),
    path("sessions/<int:pk>/cancel/", session_views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/participants/", session_views.participant_add, name="participant_add"),
    path("calendar/", session_views.calendar, name="calendar"),
    # --- rooms and the volunteer roster, for centre leaders (roster_views.py) ---
    path("rooms/", roster_views.room_list, name="room_list"),
    path("rooms/new/", roster_views.room_create, name="room_create"),
    path("rooms/<int:pk>/", roster_views.room_edit, name="room_edit"),
    path("volunteers/", roster_views.volunteer_list, name="volunteer_list"),
    path("volunteers/new/", roster_views.volunteer_create, name="volunteer_create"),
    path("volunteers/<int:pk>/", roster_views.volunteer_edit, name="volunteer_edit"),
]
