from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "concord.exchange"
    label = "exchange"
    verbose_name = "Exchange"
