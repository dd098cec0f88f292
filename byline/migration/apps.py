from django.apps import AppConfig


class MigrationConfig(AppConfig):
    name = "byline.migration"
    label = "migration"
    verbose_name = "Import and export"
