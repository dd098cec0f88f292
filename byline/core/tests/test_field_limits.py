"""Every form field's limit is its column's: nothing passes validation that the database then
refuses (PostgreSQL answers a 500 for a value longer than its column; SQLite stores it)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django import forms
from django.core.exceptions import FieldDoesNotExist

import byline
from byline.accounts.models import User
from byline.discussion.forms import CommentForm
from byline.discussion.models import Comment
from byline.moderation import actions
from byline.moderation.models import Report

pytestmark = pytest.mark.django_db

# Text fields of plain forms → the column they end up in (None: not stored as typed, why).
FORM_COLUMNS: dict[tuple[str, str], tuple[type, str] | str] = {
    ("CommentForm", "name"): (Comment, "author_name"),
    ("CommentForm", "email"): (Comment, "author_email"),
    ("CommentForm", "url"): (Comment, "author_url"),
    ("CommentForm", "body"): "a TextField; its limit is the site's setting (max_length)",
    ("EditCommentForm", "body"): "a TextField; its limit is the site's setting (max_length)",
    ("ReportForm", "note"): (Report, "note"),
    ("ReportForm", "reason"): "a choice, checked against Report.Reason",
    ("AuditFilterForm", "*"): "filters for a listing, never stored",
    ("UploadForm", "*"): "a file upload and its options, never stored as text",
    ("SignInForm", "*"): "compared with an account, never stored",
    ("AdminSignInForm", "*"): "compared with an account, never stored",
}


def _byline_forms() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(byline.__path__, "byline."):
        if ".tests" in module.name or ".migrations" in module.name:
            continue
        importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    pending: list[type] = [forms.Form, forms.ModelForm]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("byline.") and ".tests" not in sub.__module__:
                found.append(sub)
    return found


def _column_length(model: type, name: str) -> int:
    length = model._meta.get_field(name).max_length  # type: ignore[attr-defined]
    assert length, f"{model.__name__}.{name} has no length"
    return int(length)


def test_every_text_field_of_every_form_is_mapped_to_its_column():
    seen = set()
    unmapped = []
    mismatched = []
    for form_class in _byline_forms():
        seen.add(form_class.__name__)
        if issubclass(form_class, forms.ModelForm):
            model = form_class._meta.model
            for name, field in form_class.base_fields.items():
                try:
                    column = model._meta.get_field(name)
                except FieldDoesNotExist:
                    continue  # a form-only field (password1…)
                limit = getattr(column, "max_length", None)
                if not isinstance(field, forms.CharField) or getattr(column, "choices", None):
                    continue  # choices are checked against their list, not a length
                if limit and field.max_length != limit:
                    mismatched.append(f"{form_class.__name__}.{name}: {field.max_length} ≠ {limit}")
            continue
        for name, field in form_class.base_fields.items():
            if not isinstance(field, forms.CharField):
                continue
            if (form_class.__name__, name) in FORM_COLUMNS:
                continue
            if (form_class.__name__, "*") in FORM_COLUMNS:
                continue
            unmapped.append(f"{form_class.__name__}.{name}")
    assert {"CommentForm", "ReportForm", "SignupForm", "PostAdminForm"} <= seen
    assert not unmapped, f"add these form fields to FORM_COLUMNS with their column: {unmapped}"
    assert not mismatched, mismatched


def _email_of(length: int) -> str:
    """A syntactically valid address of exactly ``length`` characters (labels of ≤ 63)."""
    local = "a" * 64
    labels: list[str] = []
    rest = length - len(local) - 1 - len(".org")
    while rest > 0:
        size = min(63, rest - 1) if rest > 64 else rest
        labels.append("b" * size)
        rest -= size + (1 if rest - size > 0 else 0)
    email = f"{local}@{'.'.join(labels)}.org"
    assert len(email) == length, (len(email), length)
    return email


@pytest.mark.parametrize(
    "field, column",
    [("name", "author_name"), ("email", "author_email"), ("url", "author_url")],
)
def test_comment_form_refuses_one_past_the_column_and_stores_the_longest(post, field, column):
    limit = _column_length(Comment, column)

    def value(length: int) -> str:
        if field == "email":
            return _email_of(length)
        if field == "url":
            return "https://example.org/" + "p" * (length - len("https://example.org/"))
        return "N" * length

    base = {"body": "A fair point.", "name": "Reader", "email": "reader@example.org"}
    too_long = CommentForm({**base, field: value(limit + 1)}, post=post)
    assert not too_long.is_valid()
    assert field in too_long.errors, too_long.errors
    longest = CommentForm({**base, field: value(limit)}, post=post)
    assert longest.is_valid(), longest.errors
    from byline.discussion.services import post_comment

    stored = post_comment(longest.submission, ip_address="127.0.0.1")
    stored.refresh_from_db()  # on PostgreSQL a longer value would have raised here
    assert len(getattr(stored, column)) == limit


def test_an_over_long_email_gets_a_clear_answer_and_the_comment_is_kept(post, stranger):
    response = stranger.post(
        f"/comments/post/{post.pk}/",
        {"body": "Keep this text.", "name": "Reader", "email": _email_of(300)},
    )
    page = response.content.decode()
    assert response.status_code in (400, 403)
    assert "Keep this text." in page
    assert "the longest an address can be is 254" in page or "254" in page
    assert not Comment.objects.exists()


def test_report_note_limit_is_the_column(post, add_comment):
    comment = add_comment(post, "Reportable.")
    limit = _column_length(Report, "note")
    with pytest.raises(Exception) as refused:
        actions.report(comment, reason="spam", note="n" * (limit + 1), ip="192.0.2.1")
    assert str(limit) in str(refused.value)
    report, _ = actions.report(comment, reason="spam", note="n" * limit, ip="192.0.2.1")
    report.refresh_from_db()
    assert len(report.note) == limit


def test_signup_refuses_an_email_longer_than_the_column(stranger):
    limit = _column_length(User, "email")
    response = stranger.post(
        "/accounts/signup/",
        {
            "username": "longmail",
            "email": _email_of(limit + 1),
            "display_name": "Long Mail",
            "password1": "a long harbor passphrase 91",
            "password2": "a long harbor passphrase 91",
        },
    )
    assert response.status_code in (200, 400)
    assert not User.objects.filter(username="longmail").exists()
