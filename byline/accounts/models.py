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


class VerifiedEmail(models.Model):
    """An email address whose owner clicked the link Byline sent to it.

    A guest's comments count towards trust only under a verified address: anyone can type
    someone else's email into the comment form.
    """

    email = models.EmailField(unique=True)
    verified_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.email

    @classmethod
    def is_verified(cls, email: str) -> bool:
        """Has the owner of ``email`` proved it (case-insensitively)?"""
        return bool(email) and cls.objects.filter(email=email.strip().lower()).exists()
