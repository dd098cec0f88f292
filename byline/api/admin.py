"""The API in the admin: access tokens (created here with the secret shown once; revoked, never
edited), webhooks, and a read-only record of webhook deliveries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from byline.api import tokens
from byline.api.models import AccessToken, Scope, Webhook, WebhookDelivery, WebhookEvent


class NewTokenForm(forms.ModelForm[AccessToken]):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Reading needs no scope. “moderate” and “ban” work only for moderators.",
    )

    class Meta:
        model = AccessToken
        fields = ["user", "name", "scopes"]


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin[AccessToken]):
    list_display = ["name", "user", "prefix", "scope_list", "created_at", "last_used_at", "state"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    actions = ["revoke"]
    readonly_fields = [
        "user", "name", "prefix", "scope_list", "created_at", "last_used_at", "revoked_at",
    ]  # fmt: skip

    @admin.display(description="scopes")
    def scope_list(self, obj: AccessToken) -> str:
        return ", ".join(obj.scopes or []) or "(read only)"

    @admin.display(description="state")
    def state(self, obj: AccessToken) -> str:
        return "revoked" if obj.is_revoked else "active"

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = NewTokenForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else list(self.readonly_fields)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["user", "name", "scopes"] if obj is None else list(self.readonly_fields)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: AccessToken, form: Any, change: bool) -> None:
        token, secret = tokens.create(obj.user, obj.name, form.cleaned_data.get("scopes") or [])
        obj.pk = token.pk
        obj.__dict__.update(token.__dict__)
        request._new_token_secret = secret  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: AccessToken, post_url_continue: Any = None
    ) -> HttpResponse:
        secret = getattr(request, "_new_token_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": "Token created",
            "token": obj,
            "secret": secret,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/api/accesstoken/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[AccessToken]) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke(token)
            count += 1
        messages.success(request, f"Revoked {count} token{'s' if count != 1 else ''}.")


class WebhookForm(forms.ModelForm[Webhook]):
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "active", "secret"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin[Webhook]):
    form = WebhookForm
    list_display = ["name", "url", "active", "created_at"]
    list_filter = ["active"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = [
        "created_at", "webhook", "event", "status", "attempts", "status_code", "last_error",
    ]  # fmt: skip
    list_filter = ["status", "event", "webhook"]
    readonly_fields = [
        "webhook", "event", "delivery_id", "payload", "status", "attempts", "status_code",
        "last_error", "created_at", "delivered_at",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
