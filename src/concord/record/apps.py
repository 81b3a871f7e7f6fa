from django.apps import AppConfig


class RecordConfig(AppConfig):
    name = "concord.record"
    label = "record"
    verbose_name = "Record"
