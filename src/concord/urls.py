"""The hub's URLs: pages per app, the REST API and OpenAPI docs."""

from __future__ import annotations

from django.urls import include, path, re_path

from concord.api import api
from concord.charters import views as charter_views
from concord.delivery import live_views
from concord.delivery import views as webhook_views
from concord.exchange import views as exchange_views
from concord.notifications import views as notification_views
from concord.parties import views as party_views
from concord.procedures import views as procedure_views
from concord.record import tlog
from concord.record import views as record_views
from concord.web import views as web_views

web_patterns = (
    [
        path("", web_views.dashboard, name="dashboard"),
        path("login", web_views.sign_in, name="sign_in"),
        path("login/code", web_views.sign_in_code, name="sign_in_code"),
        path("logout", web_views.sign_out, name="sign_out"),
        path("account", web_views.account, name="account"),
        path("account/tokens/<str:prefix>/revoke", web_views.token_revoke, name="token_revoke"),
        path("account/password", web_views.password, name="password"),
        path("account/second-factor", web_views.second_factor, name="second_factor"),
        path("i18n/language", web_views.set_language, name="set_language"),
    ],
    "web",
)

party_patterns = (
    [
        path("", party_views.party_list, name="list"),
        path("register", party_views.party_register, name="register"),
        path("<slug:code>", party_views.party_detail, name="detail"),
        path("<slug:code>/status", party_views.party_status, name="status"),
        path("<slug:code>/members", party_views.member_add, name="member_add"),
        path("<slug:code>/accession", party_views.accession, name="accession"),
        path("<slug:code>/consent", party_views.consent, name="consent"),
        path("<slug:code>/withdrawal", party_views.withdrawal, name="withdrawal"),
        path("<slug:code>/keys/rotate", party_views.key_rotate, name="key_rotate"),
        path("members/<str:username>/reset", party_views.member_reset, name="member_reset"),
    ],
    "parties",
)

charter_patterns = (
    [
        path("", charter_views.charter_list, name="list"),
        path("<slug:code>", charter_views.charter_detail, name="detail"),
    ],
    "charters",
)

TILE_INDEX = r"(?P<index>(?:x[0-9]{3}/){0,6}[0-9]{3})"
WIDTH = r"(?:\.p/(?P<width>[0-9]{1,3}))?"

record_patterns = (
    [
        path("", record_views.record_overview, name="overview"),
        path("acts/<int:seq>/proof", record_views.act_proof, name="act_proof"),
        path("acts", record_views.act_list, name="acts"),
        path("acts/<int:seq>", record_views.act_detail, name="act"),
    ],
    "record",
)

notification_patterns = (
    [
        path("", notification_views.inbox, name="inbox"),
        path("new", notification_views.form_choice, name="choose"),
        path("new/<slug:charter_code>/<slug:form>", notification_views.submit, name="submit"),
        path(
            "templates/<slug:charter_code>/<slug:form>.<str:fmt>",
            notification_views.bulk_template,
            name="template",
        ),
        path("calendar", notification_views.calendar, name="calendar"),
        path("calendar.ics", notification_views.calendar_ics, name="calendar_ics"),
        path("compliance", notification_views.compliance, name="compliance"),
        path("drafts/<int:pk>/delete", notification_views.draft_delete, name="draft_delete"),
        path("<int:pk>", notification_views.detail, name="detail"),
        path("<int:pk>/acknowledge", notification_views.acknowledge, name="acknowledge"),
    ],
    "notifications",
)

procedure_patterns = (
    [
        path("", procedure_views.procedure_list, name="list"),
        path("open", procedure_views.procedure_open, name="open"),
        path("decisions", procedure_views.decision_list, name="decisions"),
        path("<int:pk>", procedure_views.procedure_detail, name="detail"),
        path("<int:pk>/acts", procedure_views.procedure_act, name="act"),
    ],
    "procedures",
)

exchange_patterns = (
    [
        path("", exchange_views.inbox, name="inbox"),
        path("new", exchange_views.compose, name="compose"),
        path("entity-row", exchange_views.entity_row, name="entity_row"),
        path("hits", exchange_views.hits_page, name="hits"),
        path("requests", exchange_views.requests, name="requests"),
        path("requests/new", exchange_views.hit_request, name="hit_request"),
        path("requests/<int:pk>/decision", exchange_views.decide, name="decide"),
        path("groups", exchange_views.groups, name="groups"),
        path("<int:pk>", exchange_views.detail, name="detail"),
        path("<int:pk>/reply", exchange_views.reply, name="reply"),
        path("<int:pk>/pass-on", exchange_views.pass_on, name="pass_on"),
        path("<int:pk>/opening.json", exchange_views.opening, name="opening"),
        path(
            "<int:pk>/attachments/<int:attachment_id>",
            exchange_views.attachment,
            name="attachment",
        ),
    ],
    "exchange",
)

webhook_patterns = (
    [
        path("", webhook_views.webhook_list, name="list"),
        path("<str:public_id>", webhook_views.webhook_detail, name="detail"),
        path("<str:public_id>/test", webhook_views.webhook_test, name="test"),
        path("<str:public_id>/replay", webhook_views.webhook_replay, name="replay"),
        path("<str:public_id>/delete", webhook_views.webhook_delete, name="delete"),
        path("<str:public_id>/enable", webhook_views.webhook_enable, name="enable"),
    ],
    "webhooks",
)

urlpatterns = [
    path("", include(web_patterns)),
    path("parties/", include(party_patterns)),
    path("charters/", include(charter_patterns)),
    path("record/checkpoint", tlog.checkpoint, name="tlog_checkpoint"),
    re_path(rf"^record/tile/entries/{TILE_INDEX}{WIDTH}$", tlog.entries, name="tlog_entries"),
    re_path(
        rf"^record/tile/(?P<level>[0-9]{{1,2}})/{TILE_INDEX}{WIDTH}$", tlog.tile, name="tlog_tile"
    ),
    path("record/", include(record_patterns)),
    path("notifications/", include(notification_patterns)),
    path("procedures/", include(procedure_patterns)),
    path("exchange/", include(exchange_patterns)),
    path("live/events", live_views.live_events, name="live_events"),
    path("webhooks/", include(webhook_patterns)),
    path("api/", api.urls),
]
