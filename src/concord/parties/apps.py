from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "concord.parties"
    label = "parties"
    verbose_name = "Parties"
