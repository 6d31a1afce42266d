"""Finding 2 of the hardening issue: memory is bounded by bytes, not by entries.

The response cache keeps at most its byte budget whatever the sizes of the responses put in it,
and a response over the hard cap is replaced by a RESPONSE_TOO_LARGE error, over real HTTP.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from strawberry.types import ExecutionResult

from entrypoints.web.app import create_app
from registry.settings import Settings
from schema.response_cache import EncodedData, ResponseCache, entry_size


@hypothesis_settings(max_examples=200)
@given(
    budget=st.integers(min_value=1_024, max_value=200_000),
    sizes=st.lists(st.integers(min_value=0, max_value=50_000), max_size=60),
)
def test_the_cache_never_holds_more_than_its_byte_budget(budget: int, sizes: list[int]) -> None:
    cache = ResponseCache(max_bytes=budget, ttl=60)
    for n, size in enumerate(sizes):
        key = cache.key("{ __typename }", {"n": n}, None, position=1)
        assert key is not None
        result = ExecutionResult(EncodedData(b"x" * size), None)  # type: ignore[arg-type]
        cache.put(key, result)
        assert cache.bytes <= budget
        if entry_size(key, result) <= budget // 16:  # small enough to be kept: the newest stays
            assert cache.get(key) is result


def test_the_most_recently_used_entries_stay() -> None:
    cache = ResponseCache(max_bytes=16 * 4_000, ttl=60)
    keys = [cache.key("{ __typename }", {"n": n}, None, 1) for n in range(40)]
    for key in keys:
        assert key is not None
        cache.put(key, ExecutionResult(EncodedData(b"y" * 3_000), None))  # type: ignore[arg-type]
    assert cache.evictions > 0
    assert keys[-1] is not None and cache.get(keys[-1]) is not None
    assert keys[0] is not None and cache.get(keys[0]) is None


def test_a_response_over_the_byte_cap_is_a_clear_error(settings: Settings) -> None:
    capped = replace(settings, max_response_bytes=1_024)
    introspection = "{ __schema { types { name description fields { name description } } } }"
    with TestClient(create_app(capped)) as http:
        small = http.post("/graphql", json={"query": "{ __typename }"})
        assert small.status_code == 200 and small.json() == {"data": {"__typename": "Query"}}
        big = http.post("/graphql", json={"query": introspection})
    assert big.status_code == 200
    body = big.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "RESPONSE_TOO_LARGE"
    assert int(big.headers["content-length"]) == len(big.content) < 1_024
