"""Which address counts as the reader's, with and without proxies in front."""

from __future__ import annotations

from django.test import RequestFactory, override_settings

from byline.core.clientip import client_ip

rf = RequestFactory()


def test_without_proxies_the_connection_address_counts_and_headers_are_ignored():
    request = rf.get("/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "198.51.100.4"


@override_settings(BYLINE_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_saw_counts_not_a_forged_one():
    # The client forged "1.2.3.4"; nginx appended the address it really saw.
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"


@override_settings(BYLINE_PROXY_COUNT=2)
def test_behind_two_proxies_and_with_bad_headers_it_falls_back_safely():
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")
    assert client_ip(request) == "203.0.113.9"
    short = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert client_ip(short) == "10.0.0.2"
    junk = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="<script>, 10.0.0.1")
    assert client_ip(junk) == "10.0.0.2"
