from django.apps import AppConfig


class ChartersConfig(AppConfig):
    name = "concord.charters"
    label = "charters"
    verbose_name = "Charters"
