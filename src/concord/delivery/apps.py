from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "concord.delivery"
    label = "delivery"
    verbose_name = "Delivery"

    def ready(self) -> None:
        # Connects the receiver that wakes live streams when an act commits.
        from concord.delivery import live  # noqa: F401
