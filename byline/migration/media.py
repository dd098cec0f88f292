"""What imported bodies show of the old site's media library: the images of a ``[gallery]``.

Attachments are recorded, never downloaded (``Attachment``: the file's address, title, alt
text, caption and the post it belonged to). A gallery names its images by WordPress
attachment id (``ids="755,757"``), which the import remembered (``ImportedObject``), or means
"every image attached to this post".
"""

from __future__ import annotations

import mimetypes

from byline.migration.models import Attachment, ImportedObject
from byline.migration.wpcontent import GalleryImage, GalleryResolver

_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg", ".bmp", ".tif")


def guess_mime_type(url: str) -> str:
    """The file's type from its name (WXR does not say): ``image/jpeg``, or ``""``."""
    found, _ = mimetypes.guess_type(url.split("?", 1)[0], strict=False)
    return found or ""


def is_image(attachment: Attachment) -> bool:
    if attachment.mime_type:
        return attachment.mime_type.startswith("image/")
    return attachment.url.split("?", 1)[0].lower().endswith(_IMAGE_EXTENSIONS)


def _image(key: str, attachment: Attachment) -> GalleryImage:
    return GalleryImage(
        key=key,
        src=attachment.url,
        alt=attachment.alt or attachment.title,
        caption=attachment.caption.strip(),
    )


def gallery_resolver(post_id: int | None) -> GalleryResolver:
    """The images a ``[gallery]`` in post ``post_id`` shows (none for a post not saved yet)."""

    def resolve(ids: list[str] | None) -> list[GalleryImage]:
        if post_id is None:
            return []
        if ids is None:
            attached = [a for a in Attachment.objects.filter(post_id=post_id) if is_image(a)]
            keys = dict(
                ImportedObject.objects.filter(
                    kind="attachment", object_id__in=[a.pk for a in attached]
                ).values_list("object_id", "source_id")
            )
            # WordPress orders a post's attachments by menu order, then id: the import's order.
            return [_image(keys.get(a.pk, ""), a) for a in sorted(attached, key=lambda a: a.pk)]
        # The ids are the old site's: look them up among what came from the post's own source.
        source = (
            ImportedObject.objects.filter(kind="post", object_id=post_id)
            .values_list("source", flat=True)
            .first()
        )
        if source is None:
            return []
        rows = ImportedObject.objects.filter(source=source, kind="attachment", source_id__in=ids)
        found = dict(rows.values_list("source_id", "object_id"))
        attachments = Attachment.objects.in_bulk(list(found.values()))
        images = []
        for key in ids:
            attachment = attachments.get(found.get(key, 0))
            if attachment is not None and is_image(attachment):
                images.append(_image(key, attachment))
        return images

    return resolve
