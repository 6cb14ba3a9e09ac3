"""The full stack (every protection on) serving bench/bare_urls.py, so that
bench/note_page.py can measure the protections without the note page's extra content.
Never deployed."""

from practice.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
