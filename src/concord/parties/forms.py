"""Forms for the parties pages. Each maps to one service; the service has the last word."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from concord.charters.models import Charter
from concord.parties.models import DELEGATION_ROLES, PartyKind, Role, Status


class PartyFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *PartyKind.choices]
    )
    charter = forms.ModelChoiceField(
        label=_("Charter"),
        required=False,
        queryset=Charter.objects.filter(current__isnull=False),
        to_field_name="code",
        empty_label=_("All charters"),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices]
    )


class PartyRegisterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PartyKind.choices)
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    abbreviation = forms.CharField(label=_("Abbreviation"), max_length=20, required=False)


class StatusForm(forms.Form):
    charter = forms.ModelChoiceField(
        label=_("Charter"),
        queryset=Charter.objects.filter(current__isnull=False),
        to_field_name="code",
    )
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)


class CharterChoiceForm(forms.Form):
    charter = forms.ModelChoiceField(
        label=_("Charter"),
        queryset=Charter.objects.filter(current__isnull=False),
        to_field_name="code",
    )


class MemberForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=300, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[(r.value, r.label) for r in DELEGATION_ROLES],
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    password = forms.CharField(
        label=_("Initial password"), max_length=200, widget=forms.PasswordInput
    )


class SecretariatMemberForm(MemberForm):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[(Role.SECRETARIAT.value, Role.SECRETARIAT.label)],
        widget=forms.CheckboxSelectMultiple,
    )


class ResetForm(forms.Form):
    second_factor = forms.BooleanField(label=_("Also clear the second factor"), required=False)
