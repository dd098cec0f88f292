"""Posts and their threads: ``/api/v1/posts``, ``/posts/{id}``, ``/posts/{id}/comments``.

Posts are what ``Post.objects.live()`` says is live. A password-protected post is listed with
``protected: true`` and no excerpt or body; its body and discussion are given only to a token
whose account may edit it (``publishing.protection.may_read``, without the unlock cookie:
the API reads no cookies).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.http import parse_etags
from ninja import Query, Router
from pydantic import Field

from byline.accounts.models import User
from byline.api import threads
from byline.api.auth import GUEST_OR_TOKEN, OPTIONAL, Caller, caller, only_query
from byline.api.errors import ApiError
from byline.api.schemas import Error, Input, PostDetail, PostList, ThreadPage
from byline.publishing import protection
from byline.publishing.models import Category, Post, Tag

router = Router(tags=["posts"], auth=OPTIONAL)

PER_PAGE = 20
ERRORS: dict[int, type[Error]] = {400: Error, 401: Error, 404: Error}


def may_read(who: Caller, post: Post) -> bool:
    """``protection.may_read`` for an API caller: the token's account, and no unlock cookie."""
    if not post.is_protected:
        return True
    stand_in = HttpRequest()
    stand_in.user = who.user or AnonymousUser()
    return protection.may_read(stand_in, post)


def live_post(pk: int) -> Post:
    post = Post.objects.live().select_related("author").filter(pk=pk).first()
    if post is None:
        raise ApiError(404, "not_found", f"There is no published post with id {pk}.")
    return post


def _person(user: User) -> dict[str, str]:
    return {"username": user.username, "name": user.public_name}


def _summary(request: HttpRequest, post: Post) -> dict[str, Any]:
    return {
        "id": post.pk,
        "kind": post.kind,
        "title": post.title,
        "slug": post.slug,
        "url": request.build_absolute_uri(post.get_absolute_url()),
        "author": _person(post.author),
        "published_at": post.published_at,
        "updated_at": post.updated_at,
        "protected": post.is_protected,
        "excerpt": None if post.is_protected else post.excerpt,
        "categories": [{"name": c.name, "path": c.path} for c in post.categories.all()],
        "comments_open": post.comments_open,
        "comment_count": post.public_comment_count,
    }


class PostFilters(Input):
    page: int = Field(default=1, ge=1, le=1_000_000, strict=False)
    category: str | None = Field(
        default=None, max_length=500, description="A category's path; includes subcategories."
    )
    tag: str | None = Field(default=None, max_length=100, description="A tag's slug.")
    author: str | None = Field(default=None, max_length=150, description="A username.")


def _filtered(filters: PostFilters) -> QuerySet[Post]:
    posts = Post.objects.live().articles()
    if filters.category is not None:
        cat = Category.objects.filter(path=filters.category.strip("/")).first()
        if cat is None:
            raise ApiError(404, "not_found", f"There is no category {filters.category!r}.")
        # As the category archive lists it: its own posts and its subcategories'.
        within = Q(categories__path=cat.path) | Q(categories__path__startswith=f"{cat.path}/")
        posts = posts.filter(pk__in=Post.objects.filter(within).values("pk"))
    if filters.tag is not None:
        tag = Tag.objects.filter(slug=filters.tag).first()
        if tag is None:
            raise ApiError(404, "not_found", f"There is no tag {filters.tag!r}.")
        posts = posts.filter(tags=tag)
    if filters.author is not None:
        person = User.objects.filter(username=filters.author).first()
        if person is None:
            raise ApiError(404, "not_found", f"There is nobody called {filters.author!r}.")
        posts = posts.filter(author=person)
    return posts


@router.get(
    "/posts",
    response={200: PostList, **ERRORS},
    url_name="posts",
    operation_id="listPosts",
    openapi_extra=GUEST_OR_TOKEN,
)
def list_posts(request: HttpRequest, filters: Query[PostFilters]) -> dict[str, Any]:
    """Published posts, newest first, 20 a page; filter by category (with its
    subcategories), tag or author."""
    only_query(request, *PostFilters.model_fields)
    posts = (
        _filtered(filters)
        .select_related("author")
        .prefetch_related("categories")
        .order_by("-published_at", "-id")
    )
    paginator = Paginator(posts, PER_PAGE)
    if filters.page > paginator.num_pages:
        raise ApiError(404, "not_found", f"There are {paginator.num_pages} pages of posts.")
    page = paginator.page(filters.page)
    return {
        "items": [_summary(request, post) for post in page.object_list],
        "page": page.number,
        "pages": paginator.num_pages,
        "count": paginator.count,
    }


@router.get(
    "/posts/{int:post_id}",
    response={200: PostDetail, **ERRORS},
    url_name="post",
    operation_id="getPost",
    openapi_extra=GUEST_OR_TOKEN,
)
def get_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    """One published post (or page) with its body; a protected post's body is null unless the
    token's account may edit it."""
    only_query(request)
    post = live_post(post_id)
    readable = may_read(caller(request), post)
    return {
        **_summary(request, post),
        "excerpt": post.excerpt if readable else None,
        "tags": [{"name": t.name, "slug": t.slug} for t in post.tags.all()],
        "body_html": post.body_html if readable else None,
        "comment_pages": threads.page_count(post) if readable else 0,
    }


class PageQuery(Input):
    page: int = Field(default=1, ge=1, le=10_000_000, strict=False)


@router.get(
    "/posts/{int:post_id}/comments",
    response={200: ThreadPage, 304: None, 403: Error, **ERRORS},
    url_name="post-comments",
    operation_id="getThreadPage",
    openapi_extra=GUEST_OR_TOKEN,
)
def thread_page(
    request: HttpRequest, response: HttpResponse, post_id: int, query: Query[PageQuery]
) -> Any:
    """A page of the post's discussion in display order (depth first, oldest first), as a
    reader sees it: public comments, and placeholders for removed ones that have replies.
    Pages hold about 100 comments and break only between top-level threads. Answers carry an
    `ETag`; send it back in `If-None-Match` to get `304 Not Modified` while nothing changed."""
    only_query(request, *PageQuery.model_fields)
    post = live_post(post_id)
    if not may_read(caller(request), post):
        raise ApiError(
            403, "protected", "This post is password-protected; its discussion is not public."
        )
    pages = threads.page_count(post)
    if query.page > pages:
        raise ApiError(404, "not_found", f"This discussion has {pages} page(s).")
    tag = threads.etag(post, query.page)
    headers = {
        # Revalidate every time (the ETag makes that cheap); a protected post's discussion is
        # for the token's holder only.
        "Cache-Control": "private, no-cache" if post.is_protected else "no-cache",
        "Vary": "Authorization",
    }
    if tag is not None:
        headers["ETag"] = tag
        wanted = request.headers.get("If-None-Match", "")
        if wanted and (wanted.strip() == "*" or tag in parse_etags(wanted)):
            not_modified = HttpResponse(status=304)
            for name, value in headers.items():
                not_modified[name] = value
            return not_modified
    for name, value in headers.items():
        response[name] = value
    return {
        "post_id": post.pk,
        "page": query.page,
        "pages": pages,
        "items": threads.load(post, query.page),
    }
