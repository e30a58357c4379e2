from __future__ import annotations

import random

from scrm.customers.search_repository import _intersect, _union


def test_intersection_and_union_of_sorted_streams_match_set_algebra():
    rng = random.Random(7)
    for _ in range(200):
        sets = [set(rng.sample(range(60), rng.randint(0, 40))) for _ in range(rng.randint(1, 4))]
        streams = [iter(sorted(f"k{n:03d}" for n in s)) for s in sets]
        expect = sorted(f"k{n:03d}" for n in set.intersection(*sets))
        assert list(_intersect(streams)) == expect
        streams = [iter(sorted(f"k{n:03d}" for n in s)) for s in sets]
        assert list(_union(streams)) == sorted(f"k{n:03d}" for n in set.union(*sets))
