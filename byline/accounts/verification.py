"""Proving a guest commenter owns their email address.

After a guest's comment is stored, Byline mails a signed link to the address they typed (at
most once a day per address). Following it and pressing "Verify" (a POST: mail scanners that
prefetch links must not verify anyone) records a ``VerifiedEmail`` and gives that browser a
signed, long-lived cookie naming the address. Trust (``byline.moderation.pipeline.trust``)
needs both: a verified address alone proves nothing about who typed it into the form today.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from byline.accounts.models import VerifiedEmail

logger = logging.getLogger(__name__)
SALT = "byline.verify-email"
MAX_AGE = 7 * 86400
RESEND_SECONDS = 86400
PROOF_COOKIE = "byline_verified"
PROOF_SALT = "byline.verified-email-cookie"
PROOF_MAX_AGE = 365 * 86400


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


def set_proof(response: HttpResponse, email: str) -> None:
    """Remember in this browser that its reader proved ``email``."""
    response.set_signed_cookie(
        PROOF_COOKIE,
        email.strip().lower(),
        salt=PROOF_SALT,
        max_age=PROOF_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def proven_email(request: HttpRequest) -> str:
    """The address this browser proved (by a verification link), or ""."""
    value = request.get_signed_cookie(
        PROOF_COOKIE, default="", salt=PROOF_SALT, max_age=PROOF_MAX_AGE
    )
    return str(value or "")


def send_verification(email: str, *, site_url: str | None = None, proven: str = "") -> bool:
    """Mail a verification link to ``email`` unless this browser already proved it (``proven``)
    or the address was mailed in the last day. Returns whether a message went out.

    A mail server that is down must not turn a stored comment into an error page: the failure
    is logged, and the address may be mailed again at its next comment.
    """
    address = email.strip().lower()
    if not address or address == proven:
        return False
    key = f"verify-mail:{address}"
    if not cache.add(key, 1, timeout=RESEND_SECONDS):
        return False
    base = (site_url or settings.BYLINE_SITE_URL).rstrip("/")
    link = base + reverse("verify-email", args=[make_token(address)])
    try:
        send_mail(
            subject="Confirm your email address for your comments",
            message=(
                "Someone (we hope you) left a comment with this email address.\n\n"
                "Confirm it's yours, and once a moderator has approved one of your comments, "
                "the next ones you post from the same browser appear without waiting:\n\n"
                f"{link}\n\n"
                "If it wasn't you, ignore this message: nothing happens without the click."
            ),
            from_email=None,
            recipient_list=[address],
        )
    except Exception:
        cache.delete(key)
        logger.exception("could not send the verification mail to %s", address)
        return False
    return True
