"""What a worker process does once in its life, before its first job."""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger(__name__)

# The youngest generation is collected once this many objects were made (Python's default: 700). A sync's page
# makes tens of thousands that live until the page is written; at 700 they went through the older generations
# and set off full passes: 0.85 s of a worker's time for 50,000 messages, 0.12 s at 10,000. The garbage kept
# meanwhile is a few megabytes at most.
YOUNG_OBJECTS = 10_000


def prepare_worker(load_models: bool = True) -> None:
    """Loads what every inbox sync needs (`load_models`), then moves every object alive into the garbage
    collector's permanent generation.

    A worker holds some 200,000 objects for its whole life (Django, the jobs' modules, the
    classifier's vocabularies and lexicons), and each of the collector's full passes walked them all again:
    120 ms a pass, 2 s of a 16-second ingest of 50,000 messages (bench/ingest.py). Frozen, they are no longer
    scanned; objects made afterwards are collected as before, the youngest less often (`YOUNG_OBJECTS`)."""
    if load_models:
        load_sync_models()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])


def load_sync_models() -> None:
    """The classifier's models for every language it has, language detection and the rules engine (which
    imports scikit-learn): each is otherwise loaded by the first sync that needs it, 3 s later than its page."""
    try:
        from comptoir import nlp
        from comptoir.nlp.backends import available_languages
    except ImportError:  # the classifier is optional: syncs store messages unclassified without it
        logger.info("comptoir.nlp is not available: no models to load")
        return
    languages = list(available_languages())
    for language in languages:
        nlp.classify(["Bonjour"], lang=language)
    if len(languages) > 1:
        nlp.classify(["Bonjour à toutes et à tous", "Hello everyone out there"], languages=languages)
    import comptoir.moderation.engine  # noqa: F401
