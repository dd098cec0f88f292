"""Proving a guest commenter owns their email address.

After a guest's comment is stored, Byline mails a signed link to the address they typed (at
most once a day per address). Following it and pressing "Verify" (a POST: mail scanners that
prefetch links must not verify anyone) records a ``VerifiedEmail``; from then on the guest's
approved comments count towards trust (``byline.moderation.pipeline.trust``).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from byline.accounts.models import VerifiedEmail

SALT = "byline.verify-email"
MAX_AGE = 7 * 86400
RESEND_SECONDS = 86400


def make_token(email: str) -> str:
    """A signed, expiring token naming ``email``."""
    return signing.dumps(email.strip().lower(), salt=SALT, compress=True)


def read_token(token: str) -> str:
    """The address in ``token``; ``ValueError`` with a reader-facing message if it is bad."""
    try:
        return str(signing.loads(token, salt=SALT, max_age=MAX_AGE))
    except signing.SignatureExpired:
        raise ValueError("This link has expired. Post another comment to get a new one.") from None
    except signing.BadSignature:
        raise ValueError("This link is not valid. Check that it was copied whole.") from None


def verify(email: str) -> VerifiedEmail:
    """Record that the owner of ``email`` proved it."""
    found, _ = VerifiedEmail.objects.get_or_create(
        email=email.strip().lower(), defaults={"verified_at": timezone.now()}
    )
    return found


def send_verification(email: str, *, site_url: str | None = None) -> bool:
    """Mail a verification link to ``email`` unless it is verified or was mailed today.
    Returns whether a message was sent."""
    address = email.strip().lower()
    if not address or VerifiedEmail.is_verified(address):
        return False
    if not cache.add(f"verify-mail:{address}", 1, timeout=RESEND_SECONDS):
        return False
    base = (site_url or settings.BYLINE_SITE_URL).rstrip("/")
    link = base + reverse("verify-email", args=[make_token(address)])
    send_mail(
        subject="Confirm your email address for your comments",
        message=(
            "Someone (we hope you) left a comment with this email address.\n\n"
            "Confirm it's yours, and your comments will appear without waiting for a moderator "
            f"once one has been approved:\n\n{link}\n\n"
            "If it wasn't you, ignore this message: nothing happens without the click."
        ),
        from_email=None,
        recipient_list=[address],
    )
    return True
