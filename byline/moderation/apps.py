from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "byline.moderation"
    label = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from byline.moderation.models import ClassifierVersion
        from byline.moderation.scoring import on_version_saved_or_deleted

        # However a version is stored or deleted (learning, the CLI, a shell), every process
        # must stop scoring with the old one.
        post_save.connect(on_version_saved_or_deleted, sender=ClassifierVersion)
        post_delete.connect(on_version_saved_or_deleted, sender=ClassifierVersion)

        # Moderation is the screening step of discussion's one intake (discussion.intake).
        from byline.discussion import intake
        from byline.moderation.intake_screening import ModerationScreening

        intake.use_screening(ModerationScreening())
