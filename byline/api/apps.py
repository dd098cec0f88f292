from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "byline.api"
    label = "api"
    verbose_name = "JSON API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Webhooks hear about comments from the one place their status changes (a save).
        from byline.api import webhooks

        webhooks.connect()
