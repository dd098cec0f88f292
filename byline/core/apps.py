from django.apps import AppConfig
from django.core.signals import request_started


class CoreConfig(AppConfig):
    name = "byline.core"
    label = "core"
    verbose_name = "Byline core"

    def ready(self) -> None:
        from byline.core.models import forget_settings_reads

        request_started.connect(forget_settings_reads, dispatch_uid="forget-settings-reads")
