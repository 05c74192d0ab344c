"""The per-process engine cache keeps a bounded number of engines, least recently used out."""

from exam_engine.delivery.services.engine import _EngineCache


def test_the_engine_cache_is_bounded_and_keeps_the_recently_used():
    cache = _EngineCache(size=2)
    engines = {name: object() for name in "abc"}
    for name in "ab":
        cache.put((name, ()), engines[name])
    assert cache.get(("a", ())) is engines["a"]  # "a" is now the most recently used
    cache.put(("c", ()), engines["c"])
    assert cache.get(("b", ())) is None and cache.get(("a", ())) is engines["a"]
    assert cache.get(("c", ())) is engines["c"] and len(cache.engines) == 2
    assert cache.put(("c", ()), object()) is engines["c"]  # a racing build keeps the first
