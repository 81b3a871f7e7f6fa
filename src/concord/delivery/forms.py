"""Forms of the webhook pages and of the mail choice on the account page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from concord.delivery.models import MailMode


class WebhookForm(forms.Form):
    url = forms.CharField(label=_("Receiver URL"), max_length=500)
    types = forms.CharField(
        label=_("Act types"),
        required=False,
        max_length=1300,
        help_text=_(
            "Optional: act types or their beginnings, separated by commas "
            "(notification., procedure.opened). Empty: every act that concerns your party."
        ),
    )

    def type_list(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data.get("types", "").split(",") if t.strip()]


class ReplayForm(forms.Form):
    from_seq = forms.IntegerField(label=_("From act number"), min_value=0, required=False)
    to_seq = forms.IntegerField(label=_("To act number"), min_value=0, required=False)
    since = forms.DateTimeField(
        label=_("Or since (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class MailPreferenceForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("E-mail about acts that concern your party"),
        choices=MailMode.choices,
        widget=forms.RadioSelect,
    )
    time_zone = forms.CharField(label=_("Your time zone"), max_length=64)
