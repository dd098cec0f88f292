"""Reader-facing pages: the front page, a post, archives, and addresses that moved."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from byline.accounts.models import User
from byline.core import bidi, memo, pagecache
from byline.core.caching import shared_when_anonymous
from byline.core.clientip import client_ip
from byline.discussion.forms import CommentForm
from byline.discussion.fragments import splice
from byline.discussion.page import discussion_context
from byline.moderation import ratelimits
from byline.publishing import protection
from byline.publishing.models import (
    Category,
    Post,
    SlugRedirect,
    Tag,
    Taxonomy,
    Term,
    next_scheduled,
)
from byline.publishing.services import can_edit_post

MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip


def listing_page(
    view: Callable[..., HttpResponse], *, paged: bool = True
) -> Callable[..., HttpResponse]:
    """A page that lists posts (or a feed, the sitemap): GET/HEAD only, shared with strangers,
    cached until a post is saved or published, or the next scheduled post goes live. Pages that
    show comment counts also depend on the posts they list (``_render_list``)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # ``?page=`` is checked against the page shown in ``_render_list``.
        pagecache.expect_params(request, page=request.GET.get("page") if paged else None)
        pagecache.depends_on(request, pagecache.LISTS)
        pagecache.valid_until(request, next_scheduled())
        return view(request, *args, **kwargs)

    return require_safe(shared_when_anonymous(wrapper))


def _listing() -> QuerySet[Post]:
    return (
        Post.objects.live()
        .articles()
        .select_related("author")
        .prefetch_related("categories")  # a listing shows no tags
        .order_by("-published_at", "-id")
    )


_SUMMARY = memo.template_digest("publishing/_summary.html", "publishing/_byline.html")
_ARTICLE = memo.template_digest("publishing/_article.html", "publishing/_byline.html")


def _shown_with(post: Post) -> tuple[object, ...]:
    """What a post's header or summary shows besides its own fields (saved with
    ``updated_at``): its author's names and its categories."""
    author = post.author
    categories = tuple((c.pk, c.path, c.name) for c in post.categories.all())
    return (post.pk, post.updated_at, author.pk, author.username, author.public_name, categories)


def summary_html(post: Post) -> str:
    """A post's entry in a listing (remembered per process by what it shows, see core.memo)."""
    key = ("summary", _SUMMARY, post.public_comment_count, post.is_protected, *_shown_with(post))
    return memo.rendered(key, lambda: render_to_string("publishing/_summary.html", {"post": post}))


def article_html(post: Post) -> str:
    """A post's header, body and footer on its own page (remembered like ``summary_html``)."""
    tags = tuple((t.pk, t.slug, t.name) for t in post.tags.all())
    terms = tuple(
        (t.pk, t.slug, t.name, t.taxonomy.slug, t.taxonomy.label) for t in post.shown_terms()
    )
    key = ("article", _ARTICLE, tags, terms, *_shown_with(post))
    return memo.rendered(key, lambda: render_to_string("publishing/_article.html", {"post": post}))


def _paginate(request: HttpRequest, queryset: QuerySet[Post]) -> Page[Post]:
    paginator = Paginator(queryset, settings.BYLINE_POSTS_PER_PAGE)
    return paginator.get_page(request.GET.get("page"))


def _render_list(
    request: HttpRequest, queryset: QuerySet[Post], heading: str, **extra: Any
) -> HttpResponse:
    page = _paginate(request, queryset)
    if request.GET.get("page", str(page.number)) != str(page.number):
        pagecache.not_canonical(request)  # ?page=99 shows the last page; store only ?page=N
    # The page shows each listed post's comment count, so it depends on those posts; they are
    # declared before their rows are read (see core.pagecache), then read by id.
    first = (page.number - 1) * page.paginator.per_page
    ids = list(queryset.values_list("pk", flat=True)[first : first + page.paginator.per_page])
    pagecache.depends_on(request, *(pagecache.post_part(pk) for pk in ids))
    found = {post.pk: post for post in queryset.filter(pk__in=ids)}
    posts = [found[pk] for pk in ids if pk in found]
    for post in posts:
        post.summary_html = summary_html(post)  # type: ignore[attr-defined]
    context = {"page_obj": page, "posts": posts, "heading": heading, **extra}
    return render(request, "publishing/post_list.html", context)


@listing_page
def front(request: HttpRequest) -> HttpResponse:
    """Newest posts first."""
    posts = _listing().order_by("-is_sticky", "-published_at", "-id")
    return _render_list(request, posts, "Latest posts", is_front=True)


def render_post(
    request: HttpRequest,
    post: Post,
    *,
    form: CommentForm | None = None,
    status: int = 200,
    preview: bool = False,
    nudge: str = "",
) -> HttpResponse:
    """The post page with its discussion; also used to re-show a comment form with errors or
    with the moderation nudge (``nudge``: why the comment may come across badly). A
    password-protected post this visitor has not opened shows its password form instead of
    its body and discussion."""
    if not protection.may_read(request, post):
        return render_locked(request, post, status=status)
    context = {
        "post": post,
        "preview": preview,
        "nudge": nudge,
        "article_html": article_html(post),
        **discussion_context(request, post, form),
    }
    page = render_to_string("publishing/post_detail.html", context, request)
    return HttpResponse(splice(page, context["thread_chunks"]), status=status)


def render_locked(
    request: HttpRequest, post: Post, *, status: int = 200, wrong_password: bool = False
) -> HttpResponse:
    """A protected post as strangers see it: title, byline and the password form."""
    context = {"post": post, "wrong_password": wrong_password}
    return render(request, "publishing/post_locked.html", context, status=status)


# Not CSRF-checked, as WordPress's own post password form is not: what a forged request could
# do is open, in the victim's browser, a post whose password the forger already knows. This
# keeps the locked page free of per-visitor tokens, so one copy serves every stranger.
@csrf_exempt
@require_POST
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a reader's password for a protected post; right, the post opens for them."""
    post = get_object_or_404(Post.objects.live().select_related("author"), pk=pk)
    if not post.is_protected:
        return HttpResponseRedirect(post.get_absolute_url())
    try:
        ratelimits.hit(protection.UNLOCK_ATTEMPT, ip=client_ip(request))
    except ratelimits.RateLimited as limited:
        response = render_locked(request, post, status=429)
        response["Retry-After"] = str(limited.retry_after)
        return response
    if not protection.password_matches(post, request.POST.get("password", "")):
        return render_locked(request, post, status=403, wrong_password=True)
    response = HttpResponseRedirect(post.get_absolute_url())
    protection.remember_opened(request, response, post)
    return response


def _post_from_old_slug(slug: str) -> Post | None:
    moved = SlugRedirect.objects.filter(old_slug=slug).select_related("post").first()
    if moved is not None and moved.post.is_live:
        return moved.post
    return None


def _live_post(request: HttpRequest, **lookup: Any) -> Post | None:
    """The live post matching ``lookup``, having told the page cache which post the page shows
    before its content is read."""
    live = Post.objects.live().filter(**lookup)
    pk = live.values_list("pk", flat=True).first()
    if pk is None:
        return None
    pagecache.depends_on(request, pagecache.post_part(pk))
    shown = live.select_related("author").prefetch_related("categories", "tags")
    return shown.filter(pk=pk).first()


@require_safe
@shared_when_anonymous
def post_detail(request: HttpRequest, year: int, month: str, slug: str) -> HttpResponse:
    """A post and its discussion; old slugs and wrong dates redirect to the real address."""
    post = _live_post(request, slug=slug)
    if post is None:
        moved = _post_from_old_slug(slug)
        if moved is None:
            raise Http404("No post lives at this address.")
        return HttpResponsePermanentRedirect(moved.get_absolute_url())
    # reverse() percent-encodes a Unicode slug; request.path is decoded.
    if request.path != unquote(post.get_absolute_url()):
        return HttpResponsePermanentRedirect(post.get_absolute_url())
    return render_post(request, post)


@require_safe
@shared_when_anonymous
def by_slug(request: HttpRequest, slug: str) -> HttpResponse:
    """A page (``/about/``, a subpage ``/about/team/``), a term's archive (``/type/aside/``),
    or ``/old-slug/`` (a style many blogs used) → the post's address.

    A page is found by its own slug (the last segment; slugs are unique) and shown only at its
    full address; any other path ending in its slug (``/team/`` once it moved under About, or
    an old parent's path) redirects there.
    """
    segments = slug.split("/")
    post = _live_post(request, slug=segments[-1])
    if (
        post is not None
        and post.kind == Post.Kind.PAGE
        and request.path == unquote(post.get_absolute_url())
    ):
        return render_post(request, post)
    if len(segments) == 2:
        taxonomy = Taxonomy.objects.filter(slug=segments[0], is_public=True).first()
        if taxonomy is not None:
            return term_archive(request, taxonomy, segments[1])
    post = post or _post_from_old_slug(segments[-1])
    if post is None:
        raise Http404("No post lives at this address.")
    return HttpResponsePermanentRedirect(post.get_absolute_url())


@staff_member_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft or scheduled post as readers will see it, for the people who may edit it."""
    post = get_object_or_404(
        Post.objects.select_related("author").prefetch_related("categories", "tags"), pk=pk
    )
    if not can_edit_post(request.user, post):  # type: ignore[arg-type]
        raise PermissionDenied("You may only preview posts you can edit.")
    response = render_post(request, post, preview=True)
    response["X-Robots-Tag"] = "noindex"
    return response


@listing_page
def year_archive(request: HttpRequest, year: int) -> HttpResponse:
    posts = _listing().filter(published_at__year=year)
    return _render_list(request, posts, f"Posts from {year}", archive_year=year)


@listing_page
def month_archive(request: HttpRequest, year: int, month: str) -> HttpResponse:
    number = int(month)
    if not 1 <= number <= 12:
        raise Http404("No such month.")
    posts = _listing().filter(published_at__year=year, published_at__month=number)
    return _render_list(request, posts, f"Posts from {MONTHS[number - 1]} {year}")


@listing_page
def category(request: HttpRequest, path: str) -> HttpResponse:
    """A category's posts, including those filed under its subcategories."""
    cat = get_object_or_404(Category, path=path.strip("/"))
    within = Q(categories__path=cat.path) | Q(categories__path__startswith=f"{cat.path}/")
    posts = _listing().filter(within).distinct()
    children = list(cat.children.all())
    return _render_list(request, posts, f"Category: {cat.name}", category=cat, children=children)


@listing_page
def tag(request: HttpRequest, slug: str) -> HttpResponse:
    tag_obj = get_object_or_404(Tag, slug=slug)
    return _render_list(request, _listing().filter(tags=tag_obj), f"Tagged: {tag_obj.name}")


@listing_page
def term_archive(request: HttpRequest, taxonomy: Taxonomy, slug: str) -> HttpResponse:
    """The posts filed under a term of a public taxonomy (``/type/aside/``, ``/genre/noir/``)."""
    term = get_object_or_404(Term, taxonomy=taxonomy, slug=slug)
    posts = _listing().filter(terms=term)
    return _render_list(request, posts, f"{taxonomy.label}: {term.name}", term=term)


@listing_page
def author(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User, username=username)
    posts = _listing().filter(author=person)
    if not posts.exists():
        raise Http404("This person has not published anything yet.")
    heading = f"Posts by {bidi.isolated(person.public_name)}"
    return _render_list(request, posts, heading, author=person)
