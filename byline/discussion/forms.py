"""The comment form. Its rules are the service's (``validate_submission``), not its own."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from byline.accounts.models import User
from byline.discussion.models import DiscussionSettings
from byline.discussion.services import (
    NAME_MAX_LENGTH,
    URL_MAX_LENGTH,
    Submission,
    validate_submission,
)
from byline.discussion.stamps import form_stamp
from byline.publishing.models import Post

# Bot traps (see byline.moderation.pipeline.bot_traps). The honeypot is a field people never
# see; the stamp is the signed time the form was shown. Neither is a Django form field, so the
# template controls exactly how they are hidden and a re-shown form keeps the first stamp.
HONEYPOT_FIELD = "homepage"
STAMP_FIELD = "shown"
NUDGE_FIELD = "post_anyway"


def stamp_for(request: HttpRequest) -> str:
    """The stamp a form re-shown after a POST keeps (the first showing counts), or a new one."""
    posted = request.POST.get(STAMP_FIELD, "") if request.method == "POST" else ""
    return posted[:200] or form_stamp()


def confirm_stamp(request: HttpRequest) -> str:
    """The stamp for the "Confirm your comment" page: the posted one if the form had it, else a
    confirm-page stamp from now (its reader typed the comment earlier, on a page without one;
    pressing "Post" fast there holds the comment instead of filing it as spam)."""
    posted = request.POST.get(STAMP_FIELD, "")
    return posted[:200] if posted else form_stamp(confirm=True)


class CommentForm(forms.Form):
    # No max_length on the fields themselves: an over-long comment must come back whole with
    # an explanation, never cut by the browser or the form.
    body = forms.CharField(
        label="Comment",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "aria-describedby": "body-help"}),
        error_messages={"required": "Please write a comment before posting."},
    )
    name = forms.CharField(
        label="Name",
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "maxlength": NAME_MAX_LENGTH * 2}),
        help_text="Leave blank to post as Anonymous.",
    )
    email = forms.CharField(
        label="Email",
        required=False,
        strip=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Required, never shown.",
    )
    url = forms.CharField(
        label="Website",
        required=False,
        widget=forms.URLInput(attrs={"autocomplete": "url", "maxlength": URL_MAX_LENGTH * 2}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, post: Post, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.post = post
        self.user = user if user is not None and user.is_authenticated else None
        self.submission: Submission | None = None
        if self.user is not None:
            for field in ("name", "email", "url"):
                del self.fields[field]
        else:
            self.fields["email"].widget.attrs["required"] = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "body" not in data:
            return data
        try:
            self.submission = validate_submission(
                self.post,
                body=data["body"],
                name=data.get("name", ""),
                email=data.get("email", ""),
                url=data.get("url", ""),
                parent_id=data.get("parent"),
                user=self.user,
                rules=DiscussionSettings.current(),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    target = field if field in self.fields and field != "parent" else None
                    for error in errors:
                        self.add_error(target, error)
            else:
                self.add_error(None, exc)
        return data


class EditCommentForm(forms.Form):
    body = forms.CharField(label="Comment", strip=False, widget=forms.Textarea(attrs={"rows": 8}))
