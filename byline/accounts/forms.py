from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm

from byline.accounts.models import User


class SignupForm(UserCreationForm[User]):
    email = forms.EmailField(
        required=True, help_text="For reply notifications and password resets; never shown."
    )

    class Meta:
        model = User
        fields = ("username", "email", "display_name")
