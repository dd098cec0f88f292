from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "byline.core"
    label = "core"
    verbose_name = "Byline core"
