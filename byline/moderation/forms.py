"""Forms for the reader's report page and the audit log's filters.

The report form only carries what the reader typed: whether a reason and note are acceptable
is decided by ``actions.report`` (the same rule for every interface), and its errors are put
back on the form by ``ReportForm.show_errors``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from byline.moderation.models import AuditEntry, Report

NOTE_HELP = "Optional, up to 500 characters. Only moderators see it."

# The actor filter's word for rows no person caused (automatic verdicts, purges, retraining).
AUTOMATIC = "automatic"


class ReportForm(forms.Form):
    # Plain text fields, not choice/length-checked ones: the service judges them, and a note
    # that is too long must come back whole with the reason, never cut by the browser.
    reason = forms.CharField(
        label="Why are you reporting this comment?",
        required=False,
        widget=forms.RadioSelect(choices=Report.Reason.choices),
    )
    note = forms.CharField(
        label="Anything a moderator should know?",
        required=False,
        strip=False,
        help_text=NOTE_HELP,
        widget=forms.Textarea(attrs={"rows": 4, "aria-describedby": "note-help"}),
    )

    def show_errors(self, error: ValidationError) -> None:
        """Put the service's complaint next to the field it concerns."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message)
        else:
            for message in error.messages:
                self.add_error(None, message)


class DateBox(forms.DateInput):
    """``<input type=date>`` that never echoes a value it cannot hold: HTML allows only
    YYYY-MM-DD there, so a hand-typed ``?date_from=yesterday`` shows an empty box (the field's
    error says what was wrong) instead of an invalid attribute."""

    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")

    def format_value(self, value: Any) -> str | None:
        shown = super().format_value(value)
        if shown is None or not re.fullmatch(r"\d{4}-\d\d-\d\d", shown):
            return None
        try:
            date.fromisoformat(shown)  # 2026-02-30 has the shape but is no date
        except ValueError:
            return None
        return shown


class NumberBox(forms.NumberInput):
    """``<input type=number>`` that likewise shows only a number (not ``?comment=x``)."""

    def format_value(self, value: Any) -> str | None:
        shown = super().format_value(value)
        return shown if shown is None or re.fullmatch(r"-?\d+", str(shown)) else None


class AuditFilterForm(forms.Form):
    """The audit log's filters. A field with a bad value shows its error and filters nothing;
    the other fields still apply."""

    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "Any action"), *AuditEntry.Action.choices],
        error_messages={"invalid_choice": "“%(value)s” is not an action the log records."},
    )
    actor = forms.CharField(
        label="Who",
        required=False,
        max_length=150,
        help_text=f"A username, or “{AUTOMATIC}” for what Byline did by itself.",
        error_messages={"max_length": "A username has at most 150 characters."},
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=DateBox(),
        error_messages={"invalid": "Please give the “from” date as YYYY-MM-DD."},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=DateBox(),
        error_messages={"invalid": "Please give the “to” date as YYYY-MM-DD."},
    )
    q = forms.CharField(
        label="Text",
        required=False,
        max_length=200,
        help_text="Found in the target or the reason.",
        error_messages={"max_length": "Please search for at most 200 characters."},
    )
    comment = forms.IntegerField(
        label="Comment id",
        required=False,
        min_value=1,
        max_value=2**63 - 1,  # the database's id range: a larger number must not reach it
        widget=NumberBox(),
        error_messages={
            "invalid": "A comment id is a whole number, like 42.",
            "min_value": "A comment id is a whole number above 0.",
            "max_value": "No comment has an id that large.",
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("date_from")
        end: date | None = data.get("date_to")
        if start and end and start > end:
            # add_error drops the field from cleaned_data: the log then ignores the "to" date.
            self.add_error("date_to", "The “to” date is before the “from” date.")
        return data

    def filter(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """``entries`` narrowed by every filter whose value is valid."""
        self.is_valid()  # fills cleaned_data with the valid fields only
        data: dict[str, Any] = getattr(self, "cleaned_data", {})
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        actor = (data.get("actor") or "").strip()
        if actor.lower() == AUTOMATIC:
            # A guest's report has no actor either, but a reader did it, not Byline.
            entries = entries.filter(actor__isnull=True).exclude(action=AuditEntry.Action.REPORT)
        elif actor:
            entries = entries.filter(actor__username__iexact=actor)
        if data.get("date_from"):
            entries = entries.filter(created_at__date__gte=data["date_from"])
        if data.get("date_to"):
            entries = entries.filter(created_at__date__lte=data["date_to"])
        text = (data.get("q") or "").strip()
        if text:
            entries = entries.filter(Q(target__icontains=text) | Q(reason__icontains=text))
        if data.get("comment"):
            entries = entries.filter(comment_id=data["comment"])
        return entries
