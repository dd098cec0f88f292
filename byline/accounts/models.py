"""People: one account model for writers, moderators and signed-in readers."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A Byline account. Roles are Django groups (see ``byline.accounts.roles``)."""

    display_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="Shown in bylines and on comments. Falls back to the full name, then username.",
    )
    bio = models.TextField(blank=True, help_text="Shown on the author's archive page.")

    @property
    def public_name(self) -> str:
        """The name readers see."""
        return self.display_name or self.get_full_name() or self.username
