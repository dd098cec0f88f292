from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, register_converter

from byline.accounts import views as account_views
from byline.accounts.signin import AdminSignInForm, SignInForm
from byline.core import probes
from byline.core.converters import MonthConverter, SlugPathConverter, YearConverter
from byline.discussion import views as discussion_views
from byline.moderation import public_views as public_moderation_views
from byline.publishing import views as publishing_views
from byline.publishing.feeds import LatestPosts
from byline.publishing.sitemaps import PostSitemap

register_converter(MonthConverter, "mm")
register_converter(YearConverter, "yyyy")
register_converter(SlugPathConverter, "slugs")

admin.site.site_header = "Byline"
admin.site.site_title = "Byline admin"
# Wrong passwords cost growing waits on the admin's sign-in too (accounts.signin).
admin.site.login_form = AdminSignInForm

publishing_patterns = (
    [
        path("", publishing_views.front, name="front"),
        path("<yyyy:year>/", publishing_views.year_archive, name="year"),
        path("<yyyy:year>/<mm:month>/", publishing_views.month_archive, name="month"),
        path("<yyyy:year>/<mm:month>/<str:slug>/", publishing_views.post_detail, name="post"),
        path("category/<path:path>/", publishing_views.category, name="category"),
        path("tag/<str:slug>/", publishing_views.tag, name="tag"),
        path("author/<str:username>/", publishing_views.author, name="author"),
        path("preview/<int:pk>/", publishing_views.preview, name="preview"),
        path("unlock/<int:pk>/", publishing_views.unlock, name="unlock"),
        path("feed/", publishing_views.listing_page(LatestPosts(), paged=False), name="feed"),
    ],
    "publishing",
)

discussion_patterns = (
    [
        path("comments/post/<int:post_id>/", discussion_views.post, name="post"),
        path("comments/<int:pk>/edit/", discussion_views.edit, name="edit"),
        path(
            "<yyyy:year>/<mm:month>/<str:slug>/comment-<int:number>/",
            discussion_views.permalink,
            name="permalink",
        ),
        path("session/csrf/", discussion_views.csrf_token, name="csrf"),
    ],
    "discussion",
)

urlpatterns = [
    # For load balancers; core.probes.ProbeMiddleware answers these first (docs/operations.md).
    path("healthz", probes.healthz, name="healthz"),
    path("readyz", probes.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=SignInForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/verify/<str:token>/", account_views.verify_email, name="verify-email"),
    path(
        "sitemap.xml",
        publishing_views.listing_page(sitemap, paged=False),
        {"sitemaps": {"posts": PostSitemap}},
        name="sitemap",
    ),
    # The JSON API (docs/api.md), before the catch-all routes below.
    path("", include("byline.api.urls")),
    path("moderation/", include("byline.moderation.urls")),
    path("", include((public_moderation_views.urlpatterns, "moderation-public"))),
    path("", include(discussion_patterns)),
    path("", include(publishing_patterns)),
    path(
        "<slugs:slug>/comment-<int:number>/",
        discussion_views.page_permalink,
        name="page-comment-permalink",
    ),
    # Last: pages (/about/, nested /about/team/), term archives (/type/aside/), and a bare
    # /slug/, which is how many old blogs linked posts.
    path("<slugs:slug>/", publishing_views.by_slug, name="by-slug"),
]
