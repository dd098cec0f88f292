"""What a WordPress site keeps besides its posts, from our own fixture (``structure.wxr``): page
hierarchy and nested addresses, custom taxonomies and post formats, navigation menus in the
header, attachments' old pages, ``[gallery]``, ``<!--nextpage-->``, passwords, titles and
names with entities or markup, writing through the publishing services, and a Byline → Byline
round trip that loses none of it."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings

from byline.accounts.models import User
from byline.discussion.models import Comment
from byline.migration.export import write_json, write_wxr
from byline.migration.models import Attachment, ImportedObject, LegacyURL
from byline.migration.wordpress import import_wordpress
from byline.publishing.models import (
    Category,
    Menu,
    MenuItem,
    Post,
    PostRevision,
    SlugRedirect,
    Tag,
    Taxonomy,
    Term,
)
from byline.publishing.services import SYSTEM, move_page, save_post

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "structure.wxr"


@pytest.fixture
def site() -> None:
    import_wordpress(FIXTURE)


def page(slug: str) -> Post:
    return Post.objects.get(slug=slug)


# -- pages ------------------------------------------------------------------------------------


def test_pages_nest_under_their_parents_whatever_the_file_order(site: None, stranger: Client):
    # The file lists the grandchild first.
    crew = page("crew")
    assert crew.parent == page("team") and page("team").parent == page("about")
    assert crew.get_absolute_url() == "/about/team/crew/"
    assert stranger.get("/about/team/crew/").status_code == 200
    assert stranger.get("/about/team/").status_code == 200
    # The old single-slug address, and any other path ending in the slug, lead to the nested one.
    for old in ("/crew/", "/team/crew/", "/?page_id=12"):
        response = stranger.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == "/about/team/crew/", old
    assert not LegacyURL.objects.filter(path="/about/team/crew/").exists()


def test_comment_links_of_a_subpage_and_the_sitemap(site: None, stranger: Client):
    number = Comment.objects.get(origin_id="wp:301").number
    response = stranger.get(f"/about/team/crew/comment-{number}/")
    assert response.status_code == 302 and response["Location"].startswith("/about/team/crew/")
    sitemap = stranger.get("/sitemap.xml").content.decode()
    assert "/about/team/crew/</loc>" in sitemap


def test_moving_a_page_moves_its_subpages_and_the_old_address_redirects(
    site: None, stranger: Client
):
    move_page(page("team"), None, by=SYSTEM)
    assert page("crew").get_absolute_url() == "/team/crew/"
    response = stranger.get("/about/team/crew/")
    assert response.status_code == 301 and response["Location"] == "/team/crew/"


def test_a_page_cannot_sit_under_itself_or_under_a_post(site: None, admin_user: User):
    from django.core.exceptions import ValidationError

    about = page("about")
    with pytest.raises(ValidationError):
        move_page(about, page("crew"), by=admin_user)
    with pytest.raises(ValidationError):
        move_page(about, page("tides-and-times"), by=admin_user)


# -- taxonomies and post formats --------------------------------------------------------------


def test_custom_taxonomies_and_post_formats_are_terms_with_archives(site: None, stranger: Client):
    genre = Taxonomy.objects.get(name="genre")
    assert (genre.slug, genre.label, genre.is_public) == ("genre", "Genre", True)
    noir = Term.objects.get(taxonomy=genre, slug="sea-noir")
    assert noir.name == "Sea & Noir" and noir.parent == Term.objects.get(slug="fiction")
    formats = Taxonomy.objects.get(name="post_format")
    assert formats.slug == "type"
    assert set(formats.terms.values_list("slug", flat=True)) == {"aside", "gallery"}
    assert not Taxonomy.objects.filter(name="wp_theme").exists()  # WordPress's own machinery

    tides = page("tides-and-times")
    assert tides.post_format is not None and tides.post_format.slug == "aside"
    article = stranger.get(tides.get_absolute_url()).content.decode()
    assert 'class="post h-entry format-aside"' in article
    assert 'Format: <a href="/type/aside/">Aside</a>' in article
    assert 'Genre: <a href="/genre/sea-noir/">Sea &amp; Noir</a>' in article
    for archive in ("/type/aside/", "/genre/sea-noir/"):
        listing = stranger.get(archive)
        assert listing.status_code == 200 and "Tides &amp; Times" in listing.content.decode()
    assert stranger.get("/type/nothing/").status_code == 404
    genre.is_public = False
    genre.save()
    assert stranger.get("/genre/sea-noir/").status_code == 404


def test_posts_without_terms_do_not_read_them(site: None):
    about = page("about")
    assert about.has_terms is False and about.shown_terms() == []
    tides = page("tides-and-times")
    tides.terms.clear()
    tides.refresh_from_db()
    assert tides.has_terms is False


# -- menus ------------------------------------------------------------------------------------


def test_menus_are_kept_nested_and_resolved(site: None):
    main = Menu.objects.get(slug="main-menu")
    assert main.in_header and not Menu.objects.get(slug="footer").in_header
    who = MenuItem.objects.get(menu=main, label="Who we are")
    team = MenuItem.objects.get(menu=main, post=page("team"))
    assert team.parent == who and team.text() == "The team"
    assert who.href() == "/about/"
    category = MenuItem.objects.get(menu=main, category__slug="arts-culture")
    assert category.text() == "Arts & Culture"
    assert MenuItem.objects.get(label="Noir & more").href() == "/genre/sea-noir/"
    # A link into the old site becomes an address here, which redirects.
    assert MenuItem.objects.get(menu=main, label="Tides").href() == "/2012/03/tides-and-times/"
    assert MenuItem.objects.get(label="The shop").href() == ""  # not in the file: not shown


def test_block_theme_navigation_becomes_a_menu(site: None):
    navigation = Menu.objects.get(slug="site-navigation")
    assert not navigation.in_header  # "Main menu" is the likelier header menu
    items = {i.text(): i for i in navigation.items.select_related("parent")}
    assert items["Tides"].href() == "/2012/03/tides-and-times/"
    assert items["About us"].href() == "/about/"
    # "All pages", nested as the pages are, inside the submenu.
    assert items["About"].parent == items["About us"]
    assert items["Crew & Captains"].parent == items["The team"]
    assert items["Crew & Captains"].href() == "/about/team/crew/"
    assert items["Arts & more"].href() == "/category/arts-culture/"
    assert items["Home"].href() == "/" and items["Search"].href() == ""  # no search here


def test_the_header_shows_the_menu_from_memory_until_it_changes(
    site: None, stranger: Client, django_assert_num_queries: Any
):
    with override_settings(BYLINE_PAGE_CACHE=False):
        html = stranger.get("/").content.decode()
        assert '<nav class="site-menu" aria-label="Main">' in html
        assert '<a href="/about/">Who we are</a><ul><li><a href="/about/team/">The team</a>' in (
            html
        )
        assert "The shop" not in html
        stranger.get("/")
        from byline.publishing.navigation import header_menu_html

        with django_assert_num_queries(0):
            header_menu_html()  # remembered under the site's token
        item = MenuItem.objects.get(label="Who we are")
        item.label = "Who we were"
        item.save()
        assert "Who we were" in stranger.get("/").content.decode()
        team = page("team")
        team.title = "Our crew"
        save_post(team, by=SYSTEM)
        assert ">Our crew</a>" in stranger.get("/").content.decode()


# -- attachments, galleries, page breaks -------------------------------------------------------


def test_attachment_pages_redirect_to_their_post_or_their_file(site: None, stranger: Client):
    tides = page("tides-and-times").get_absolute_url()
    for old in ("/2012/03/tides-and-times/harbour-dawn/", "/?attachment_id=30", "/?p=30"):
        response = stranger.get(old)
        assert response.status_code == 301 and response["Location"] == tides, old
    night = "https://harbour.example.org/wp-content/uploads/2012/03/harbour-night.jpg"
    for old in ("/harbour-night/", "/?attachment_id=31"):
        response = stranger.get(old)
        assert response.status_code == 301 and response["Location"] == night, old
    dawn = Attachment.objects.get(title="Harbour at dawn")
    assert (dawn.alt, dawn.caption, dawn.mime_type) == (
        "Fishing boats in the mist",
        "Boats & mist at 6am",
        "image/jpeg",
    )


def test_gallery_shows_the_attached_images_and_nextpage_a_break(site: None, stranger: Client):
    html = page("tides-and-times").body_html
    assert '<figure class="gallery">\n<ul>\n<li><a href="https://harbour.example.org/wp-' in html
    assert 'alt="Fishing boats in the mist"' in html and "<small>Boats &amp; mist at 6am" in html
    assert "tide-tables.pdf" not in html  # not an image
    assert "[gallery" not in html and "nextpage" not in html
    assert html.index("High water") < html.index("<hr>") < html.index("Low water")
    # ids= in their order, the orphan image too.
    members = page("members-only").body_html
    assert members.index("harbour-night.jpg") < members.index("harbour-dawn.jpg")
    # The address of the old second page leads to the whole post.
    response = stranger.get("/2012/03/tides-and-times/2/")
    assert response.status_code == 301
    assert response["Location"] == page("tides-and-times").get_absolute_url()


# -- text, passwords, and the one way to write ------------------------------------------------


def test_titles_and_names_are_plain_text_decoded_once(site: None, stranger: Client):
    tides = page("tides-and-times")
    assert tides.title == "Tides & Times"
    assert tides.excerpt == "When the sea comes & goes."
    assert page("crew").title == "Crew & Captains"
    assert Category.objects.get().name == "Arts & Culture"
    assert Tag.objects.get().name == "Fish & Chips"
    assert Comment.objects.get(origin_id="wp:401").author_name == "Ship\u2019s Cat"
    html = stranger.get(tides.get_absolute_url()).content.decode()
    assert (
        "<title>Tides &amp; Times · " in html
        and '<h1 class="p-name">Tides &amp; Times</h1>' in (html)
    )
    assert "&amp;amp;" not in html and "&lt;em&gt;" not in html
    feed = ET.fromstring(stranger.get("/feed/").content)  # noqa: S314 - our own feed
    assert "Tides & Times" in [t.text for t in feed.iter("title")]


def test_post_passwords_are_kept(site: None):
    assert page("members-only").password == "knot & splice"
    assert page("tides-and-times").password == ""


def test_the_importer_writes_through_the_publishing_services(site: None, tmp_path: Path):
    tides = page("tides-and-times")
    revision = PostRevision.objects.get(post=tides)
    assert revision.saved_by is None and revision.title == "Tides & Times"
    # A newer export with a new slug: a new revision and the old address redirects.
    changed = FIXTURE.read_text().replace(
        "<wp:post_name><![CDATA[tides-and-times]]>", "<wp:post_name><![CDATA[tides-times]]>"
    )
    (tmp_path / "newer.wxr").write_text(changed)
    import_wordpress(tmp_path / "newer.wxr")
    assert PostRevision.objects.filter(post=tides).count() == 2
    assert SlugRedirect.objects.get(old_slug="tides-and-times").post == tides


# -- round trip -------------------------------------------------------------------------------


def _menu(menu: Menu) -> tuple[Any, ...]:
    items = sorted(
        (i.text(), i.href(), i.order, i.parent.text() if i.parent else None)
        for i in menu.items.all()
    )
    return (menu.slug, menu.name, menu.in_header, items)


def _attachment(attachment: Attachment) -> tuple[Any, ...]:
    addresses = sorted(
        (u.path, u.post.slug if u.post else None, u.target_url)
        for u in attachment.legacy_urls.all()
    )
    parent = attachment.post.slug if attachment.post else None
    return (attachment.url, attachment.title, attachment.alt, attachment.caption, parent, addresses)


def _post(post: Post) -> dict[str, Any]:
    comments = Comment.objects.filter(post=post).select_related("parent")
    return {
        "title": post.title, "kind": post.kind, "status": post.status,
        "url": post.get_absolute_url(), "password": post.password,
        "parent": post.parent.slug if post.parent else None, "excerpt": post.excerpt,
        "body_html": post.body_html,
        "categories": sorted(c.path for c in post.categories.all()),
        "tags": sorted(t.slug for t in post.tags.all()),
        "terms": sorted(f"{t.taxonomy.name}:{t.slug}" for t in post.terms.all()),
        "legacy": sorted(u.path for u in post.legacy_urls.all() if not u.attachment_id),
        "comments": sorted(
            (c.origin_id, c.origin_alias, c.missing_parent, c.number, c.author_name,
             c.parent.origin_id if c.parent else None)
            for c in comments
        ),
    }  # fmt: skip


def snapshot() -> dict[str, Any]:
    """Everything the round trip must keep, by natural keys (ids differ between sites)."""
    posts = Post.objects.prefetch_related("categories", "tags", "terms", "legacy_urls")
    terms = Term.objects.select_related("taxonomy", "parent")
    return {
        "posts": {post.slug: _post(post) for post in posts},
        "taxonomies": sorted(Taxonomy.objects.values_list("name", "label", "slug", "is_public")),
        "terms": sorted(
            (t.taxonomy.name, t.slug, t.name, t.parent.slug if t.parent else None) for t in terms
        ),
        "menus": sorted(_menu(m) for m in Menu.objects.all()),
        "attachments": sorted(_attachment(a) for a in Attachment.objects.all()),
        "categories": sorted(Category.objects.values_list("path", "name")),
        "tags": sorted(Tag.objects.values_list("slug", "name")),
    }


def wipe() -> None:
    """An empty site again (but for the people, whom an import matches by login)."""
    Comment.objects.update(parent=None, in_reply_to=None)
    Comment.objects.all().delete()
    MenuItem.objects.all().delete()
    Menu.objects.all().delete()
    LegacyURL.objects.all().delete()
    Attachment.objects.all().delete()
    Post.objects.update(parent=None)
    Post.objects.all().delete()
    for model in (Term, Taxonomy, Tag, ImportedObject):
        model.objects.all().delete()
    Category.objects.update(parent=None)
    Category.objects.all().delete()


def test_byline_to_byline_round_trip_loses_nothing(site: None, tmp_path: Path):
    # A comment that came from Disqus keeps saying so; so do a WordPress comment the Disqus
    # plugin synced (its Disqus id) and a reply whose parent was not in its archive.
    Comment.objects.filter(origin_id="wp:401").update(origin_id="dsq:7771")
    Comment.objects.filter(origin_id="wp:402").update(origin_alias="dsq:7772")
    Comment.objects.filter(origin_id="wp:301").update(missing_parent="wp:299")
    before = snapshot()
    first = io.StringIO()
    write_wxr(first)
    (tmp_path / "site.xml").write_text(first.getvalue())
    wipe()
    import_wordpress(tmp_path / "site.xml")
    after = snapshot()
    assert after == before
    assert Comment.objects.filter(origin_id="dsq:7771").exists()
    assert not Comment.objects.filter(origin_id__startswith="wp:1000").exists()
    second = io.StringIO()
    write_wxr(second)
    assert second.getvalue() == first.getvalue()


def test_the_wxr_export_speaks_wordpress_for_all_of_it(site: None):
    out = io.StringIO()
    write_wxr(out)
    xml = out.getvalue()
    assert "<title>Tides &amp;amp; Times</title>" in xml  # HTML in XML, as WordPress writes it
    assert "<wp:post_password><![CDATA[knot & splice]]></wp:post_password>" in xml
    assert "<wp:post_parent>11</wp:post_parent>" in xml  # crew under the team page
    assert '<category domain="post_format" nicename="post-format-aside">' in xml
    assert '<category domain="genre" nicename="sea-noir">' in xml
    assert "<wp:term_taxonomy>nav_menu</wp:term_taxonomy>" in xml
    assert "<wp:post_type>nav_menu_item</wp:post_type>" in xml
    assert "<![CDATA[/2012/03/tides-and-times/harbour-dawn/]]>" in xml


def test_the_json_export_has_the_structure_too(site: None):
    out = io.StringIO()
    write_json(out)
    data = json.loads(out.getvalue())
    assert {t["name"] for t in data["taxonomies"]} == {"genre", "post_format"}
    assert any(t["url"] == "/type/aside/" for t in data["terms"])
    main = next(m for m in data["menus"] if m["slug"] == "main-menu")
    assert main["in_header"] and len(main["items"]) == 6
    crew = next(p for p in data["posts"] if p["slug"] == "crew")
    assert crew["parent"] == page("team").pk and crew["url"] == "/about/team/crew/"
    members = next(p for p in data["posts"] if p["slug"] == "members-only")
    assert members["password"] == "knot & splice"
    dawn = next(a for a in data["attachments"] if a["title"] == "Harbour at dawn")
    assert "/?attachment_id=30" in dawn["legacy_urls"] and dawn["alt"]
