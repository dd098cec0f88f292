"""The shapes the API takes and gives (pydantic v2 through ninja; they make the OpenAPI schema).

Every input refuses fields it does not know (``extra="forbid"``) and bounds its lengths, so a
typo or a forged field is an error, never silently ignored. Times are ISO 8601 in UTC without
microseconds (``2026-11-03T08:15:00Z``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StrictBool, StrictStr

from byline.discussion.models import RemovalReason
from byline.moderation.models import Ban, Report


def iso_time(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


IsoTime = Annotated[
    datetime,
    PlainSerializer(iso_time, return_type=str),
    Field(json_schema_extra={"format": "date-time"}),
]
Id = Annotated[int, Field(ge=1, le=2**62, strict=True)]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    """Answers are built as dicts by the views; plain pydantic models validate them several
    times faster than ninja's ``Schema`` (which reads attributes through a wrapper, for ORM
    objects), and a 500-comment thread page is 500 of them."""


# -- errors ------------------------------------------------------------------------------------


class Error(Output):
    code: str = Field(description="Stable machine-readable code, e.g. `invalid`, `not_found`.")
    message: str = Field(description="What went wrong, in words for people.")
    fields: dict[str, str] | None = Field(
        default=None, description="For `invalid`: the message for each field that was wrong."
    )
    retry_after: int | None = Field(default=None, description="For `rate_limited`: seconds.")


# -- posts -------------------------------------------------------------------------------------


class Person(Output):
    username: str
    name: str


class CategoryOut(Output):
    name: str
    path: str


class TagOut(Output):
    name: str
    slug: str


class PostSummary(Output):
    id: int
    kind: Literal["post", "page"]
    title: str
    slug: str
    url: str = Field(description="The post's page on the site.")
    author: Person
    published_at: IsoTime
    updated_at: IsoTime
    protected: bool = Field(description="Password-protected: excerpt and body are left out.")
    excerpt: str | None = Field(description="Plain text; null for a protected post.")
    categories: list[CategoryOut]
    comments_open: bool
    comment_count: int


class PostDetail(PostSummary):
    tags: list[TagOut]
    body_html: str | None = Field(
        description="Sanitised HTML; null for a protected post the caller may not edit."
    )
    comment_pages: int = Field(description="Pages of its discussion (/posts/{id}/comments).")


class PostList(Output):
    items: list[PostSummary]
    page: int
    pages: int
    count: int


# -- threads -----------------------------------------------------------------------------------


class ThreadComment(Output):
    id: int
    number: int | None
    depth: int = Field(description="0 for a top-level comment; as the thread shows it.")
    parent_number: int | None = Field(description="The number of the comment this one is under.")
    status: Literal["public", "removed"] = Field(
        description="`removed`: a placeholder for a comment taken down that still has replies "
        "(no author, no body)."
    )
    removal_reason: str | None = Field(description="For placeholders, when the site shows it.")
    author: str | None
    author_url: str | None = Field(description="A guest's website, if they gave one.")
    is_post_author: bool = Field(description="Written by the post's author, signed in.")
    body_html: str | None
    created_at: IsoTime
    edited_at: IsoTime | None


class ThreadPage(Output):
    post_id: int
    page: int
    pages: int
    items: list[ThreadComment]


# -- writing comments --------------------------------------------------------------------------


class NewComment(Input):
    body: StrictStr = Field(max_length=100_000, description="Markdown.")
    name: StrictStr = Field(default="", max_length=200, description="Guests only.")
    email: StrictStr = Field(default="", max_length=320, description="Guests only; never shown.")
    url: StrictStr = Field(default="", max_length=600, description="Guests only: a website.")
    parent: Id | None = Field(default=None, description="The id of the comment answered.")
    confirm: StrictBool = Field(
        default=False,
        description="Post as it is after a `reconsider` answer (a moderator reviews it).",
    )


class CommentEdit(Input):
    body: StrictStr = Field(max_length=100_000)


class CommentOut(Output):
    id: int
    post_id: int
    number: int | None
    status: Literal["public", "pending", "removed", "spam"]
    author: str
    is_post_author: bool
    body: str = Field(description="The Markdown as written (the writer's own comment).")
    body_html: str
    created_at: IsoTime
    edited_at: IsoTime | None
    editable_until: IsoTime | None = Field(description="The end of the edit window.")
    url: str = Field(description="Where it is on the site.")


class ReportIn(Input):
    reason: Report.Reason
    note: StrictStr = Field(default="", max_length=500)


class ReportOut(Output):
    id: int
    comment_id: int
    new: bool = Field(description="False when this caller's open report already existed.")


# -- moderation --------------------------------------------------------------------------------


class QueueComment(Output):
    id: int
    post_id: int
    post_title: str
    number: int | None
    status: Literal["public", "pending", "removed", "spam"]
    author: str
    author_email: str
    ip_address: str | None
    body: str
    body_html: str
    created_at: IsoTime
    verdict: str | None = Field(description="The automatic verdict: approve, hold or spam.")
    verdict_reason: str | None = Field(description="Why, in words.")
    open_reports: int


class QueuePage(Output):
    tab: Literal["pending", "spam", "reported"]
    items: list[QueueComment]
    page: int
    pages: int
    count: int


class DecisionIn(Input):
    action: Literal["approve", "remove", "spam"]
    reason: RemovalReason | None = Field(
        default=None, description="For `remove`: the category shown in the thread."
    )
    note: StrictStr = Field(default="", max_length=300, description="For the audit log.")


class DecisionOut(Output):
    id: int
    status: Literal["public", "pending", "removed", "spam"]
    number: int | None


class BanIn(Input):
    kind: Ban.Kind
    value: StrictStr = Field(min_length=1, max_length=254)
    until: StrictStr = Field(default="permanent", max_length=20, description="24h, 7d, permanent…")
    reason: StrictStr = Field(default="", max_length=300)


class BanCommenterIn(Input):
    until: StrictStr = Field(default="permanent", max_length=20, description="24h, 7d, permanent…")
    reason: StrictStr = Field(default="", max_length=300)
    also_spam: StrictBool = Field(default=True, description="Also file the comment as spam.")


class BanOut(Output):
    id: int
    kind: str
    value: str
    until: IsoTime | None
    reason: str


class TokenInfo(Output):
    name: str
    user: Person
    scopes: list[str]
    moderator: bool
    created_at: IsoTime


# -- webhooks (documented in the OpenAPI schema's ``webhooks``; sent by ``api.webhooks``) -------


class WebhookComment(Output):
    id: int
    post_id: int
    post_title: str
    post_url: str
    number: int | None
    status: Literal["public", "pending", "removed", "spam"]
    removal_reason: str | None
    author: str
    is_post_author: bool
    body_html: str
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    edited_at: str | None = Field(json_schema_extra={"format": "date-time"})


class WebhookPayload(Output):
    event: Literal["comment.published", "comment.held", "comment.removed"]
    delivery: str = Field(description="This delivery's id (also in X-Byline-Delivery).")
    sent_at: str = Field(json_schema_extra={"format": "date-time"})
    comment: WebhookComment
