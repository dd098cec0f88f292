"""Byline behind Debian's nginx, configured as docs/deployment.md says: as a plain reverse proxy,
and with nginx serving the page files Byline writes (``BYLINE_PAGE_FILES_DIR``) directly.

nginx runs on a loopback port in the foreground with a configuration written here from
``docs/nginx-byline.conf`` (the file the deployment guide tells operators to use).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from byline.moderation import actions
from byline.moderation.tests.helpers import moderation_off

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DOCS_CONF = Path(__file__).resolve().parents[2] / "docs" / "nginx-byline.conf"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nginx_config(template: str, *, port: int, upstream: str, pages: Path, tmp: Path) -> str:
    """The documented site configuration made runnable here: our port, our upstream and
    folder, and the few main-context lines a packaged nginx.conf would otherwise give."""
    site = (
        template.replace("listen 80;", f"listen 127.0.0.1:{port};")
        .replace("server 127.0.0.1:8000;", f"server {upstream};")
        .replace("/var/lib/byline/pages", str(pages))
        .replace("server_name blog.example.org;", "server_name _;")
    )
    temp_paths = "\n".join(
        f"  {kind}_temp_path {tmp}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
  include /etc/nginx/mime.types;
  access_log off;
{temp_paths}
{site}
}}
"""


@pytest.fixture
def behind_nginx(
    live_server: Any, tmp_path: Path
) -> Iterator[Callable[[str], tuple[int, dict[str, str], bytes]]]:
    if not Path(NGINX).exists():
        pytest.fail("These tests need Debian's nginx (apt install nginx-light).")
    pages = tmp_path / "pages"
    pages.mkdir()
    port = _free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        nginx_config(
            DOCS_CONF.read_text(),
            port=port,
            upstream=live_server.url.removeprefix("http://"),
            pages=pages,
            tmp=tmp_path,
        )
    )
    check = subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    server = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.PIPE)

    def get(path: str, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
        if cookie:
            request.add_header("Cookie", cookie)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our nginx
            return response.status, dict(response.headers), response.read()

    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        with override_settings(BYLINE_PAGE_FILES_DIR=str(pages), BYLINE_PROXY_COUNT=1):
            yield get
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_strangers_pages_come_from_files_and_change_at_once(
    behind_nginx, post, add_comment, moderator, hold_comments
):
    held = add_comment(post, "Approve me, please.")
    url = post.get_absolute_url()
    behind_nginx("/")  # the site's first page creates its settings rows, which counts as a change
    status, headers, first = behind_nginx(url)  # Byline renders it and writes the file
    assert status == 200 and headers.get("X-Byline-Cache") == "miss"
    status, headers, served = behind_nginx(url)
    assert headers["X-Byline-Cache"] == "file", headers  # nginx answered alone
    assert served == first and headers["Cache-Control"].startswith("public, max-age=60")
    assert headers["Vary"] == "Cookie" and "ETag" in headers and "Last-Modified" in headers
    # A signed-in reader or anyone with a session goes to Byline, never to the file.
    _, headers, _ = behind_nginx(url, cookie="sessionid=whatever")
    assert headers.get("X-Byline-Cache") != "file" and "private" in headers["Cache-Control"]

    actions.approve(held, by=moderator)  # the file goes with the change
    status, headers, fresh = behind_nginx(url)
    assert headers.get("X-Byline-Cache") != "file" and b"Approve me, please." in fresh
    assert behind_nginx(url)[1]["X-Byline-Cache"] == "file"


def test_pages_with_a_query_string_and_listings_go_through_byline(behind_nginx, post, add_comment):
    moderation_off()
    add_comment(post, "On page one")
    behind_nginx("/feed/")  # the site's first page creates its settings rows: a change
    front = behind_nginx("/")[2]
    assert behind_nginx("/")[1]["X-Byline-Cache"] == "file"
    _, headers, page = behind_nginx(f"{post.get_absolute_url()}?cpage=1")
    assert headers.get("X-Byline-Cache") in ("miss", "hit") and b"On page one" in page
    assert b"1 comment<" in front
    add_comment(post, "A second one")
    assert b"2 comments<" in behind_nginx("/")[2]
