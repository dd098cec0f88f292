"""The discussion tests describe a site that publishes comments at once: moderation's
automatic checks are switched off here through the site's own settings (as an owner could),
and tested with their defaults in ``byline/moderation/tests``."""

from __future__ import annotations

import pytest

from byline.moderation.tests.helpers import moderation_off


@pytest.fixture(autouse=True)
def _publish_at_once(db: None) -> None:
    moderation_off()
