from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm

from byline.accounts.models import User
from byline.core import bidi


class SignupForm(UserCreationForm[User]):
    # Django's EmailField allows 320 characters; the column holds 254 (the longest address
    # mail can deliver to), so the form's limit is the column's.
    email = forms.EmailField(
        required=True,
        max_length=User._meta.get_field("email").max_length,
        help_text="For reply notifications and password resets; never shown.",
    )

    class Meta:
        model = User
        fields = ("username", "email", "display_name")

    def clean_display_name(self) -> str:
        name = str(self.cleaned_data.get("display_name") or "").strip()
        if bidi.has_direction_controls(name):
            raise forms.ValidationError(
                "Your name cannot contain invisible characters that change the direction of "
                "the text (such as right-to-left override). Please type it without them."
            )
        return name
