"""A worker process loads what syncs need and freezes its heap before its first job."""

from __future__ import annotations

import gc
import weakref

from comptoir.nlp.backends import available_languages, linear_model
from comptoir.nlp.language import _detector
from comptoir.system.worker import YOUNG_OBJECTS, prepare_worker


class Cycle:
    me: Cycle


def test_a_worker_starts_with_the_models_loaded_and_its_heap_frozen() -> None:
    linear_model.cache_clear()
    _detector.cache_clear()
    gc.unfreeze()
    threshold = gc.get_threshold()
    try:
        prepare_worker()
        assert gc.get_threshold() == (YOUNG_OBJECTS, *threshold[1:])
        assert linear_model.cache_info().currsize == len(available_languages()) == 2
        assert _detector.cache_info().currsize >= 1
        # Django, the modules and the models: what the collector's full passes no longer walk.
        assert gc.get_freeze_count() > 100_000
        # What is made afterwards is collected as before, cycles included.
        cycle = Cycle()
        cycle.me = cycle
        gone = weakref.ref(cycle)
        del cycle
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_the_web_process_freezes_without_loading_models() -> None:
    linear_model.cache_clear()
    gc.unfreeze()
    threshold = gc.get_threshold()
    try:
        prepare_worker(load_models=False)
        assert linear_model.cache_info().currsize == 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
