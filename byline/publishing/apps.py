from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "byline.publishing"
    label = "publishing"
    verbose_name = "Publishing"

    def ready(self) -> None:
        from byline.publishing import signals

        signals.connect()
