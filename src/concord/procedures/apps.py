from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "concord.procedures"
    label = "procedures"
    verbose_name = "Procedures"
