from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from byline.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Public profile", {"fields": ("display_name", "bio")}),
    )
    list_display = ("username", "display_name", "email", "is_staff", "last_login")
