from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "byline.demo"
    label = "demo"
    verbose_name = "Demo content"
