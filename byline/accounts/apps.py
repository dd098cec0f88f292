from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "byline.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from byline.accounts.models import User
        from byline.accounts.signals import sync_roles, user_saved

        # Groups are synced after every migrate (not in a data migration) because permissions
        # themselves are only created by post_migrate.
        post_migrate.connect(sync_roles, dispatch_uid="byline.accounts.sync_roles")
        post_save.connect(user_saved, sender=User, dispatch_uid="pagecache-user-save")
        post_delete.connect(user_saved, sender=User, dispatch_uid="pagecache-user-delete")
