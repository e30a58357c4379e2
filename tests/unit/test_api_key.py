from __future__ import annotations

from scrm.corps.api_key import Principal, Role, key_hash, new_key, well_formed


def test_a_new_key_is_well_formed_and_only_its_hash_is_kept():
    key_id, key, digest = new_key()
    assert well_formed(key) and key_id in key
    assert digest == key_hash(key) and key not in digest and len(digest) == 64
    assert new_key()[1] != key


def test_malformed_keys_are_refused_before_any_lookup():
    for bad in ("", "scrm_", "Bearer x", "scrm_zzzzzzzzzzzz_" + "a" * 43, new_key()[1] + "x"):
        assert not well_formed(bad)


def test_only_admins_write():
    assert Principal("ww1", Role.ADMIN, "k").can_write
    assert not Principal("ww1", Role.VIEWER, "k").can_write
