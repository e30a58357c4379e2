"""The profile file of ``scrm login``: written 0600 (a key is a password), one profile replaced without
touching the others, refused when others may read it, and which URL and key a command uses: the
environment, then --profile, then $SCRM_PROFILE, then ``default``."""

from __future__ import annotations

import os
import stat

import pytest
from scrm.cli.profiles import Profile, ProfileError, config_path, load_all, resolve, save


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    path = tmp_path / "conf" / "profiles.toml"
    monkeypatch.setenv("SCRM_CONFIG", str(path))
    for name in ("SCRM_API_URL", "SCRM_API_KEY", "SCRM_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_saved_owner_only_and_read_back(cfg) -> None:
    assert config_path() == cfg
    save(Profile("default", "https://a.example/", "k-default"))
    save(Profile("staging", "https://s.example", 'k"with\\quotes'))
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert stat.S_IMODE(cfg.parent.stat().st_mode) == 0o700
    assert load_all() == {"default": {"url": "https://a.example/", "key": "k-default"},
                          "staging": {"url": "https://s.example", "key": 'k"with\\quotes'}}  # fmt: skip
    save(Profile("default", "https://b.example", "k2"))  # replaces one, keeps the other
    assert load_all()["default"] == {"url": "https://b.example", "key": "k2"} and "staging" in load_all()
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600


def test_precedence_env_then_flag_then_env_profile_then_default(cfg, monkeypatch) -> None:
    save(Profile("default", "https://d.example", "kd"))
    save(Profile("prod", "https://p.example", "kp"))
    save(Profile("ci", "https://c.example", "kc"))
    assert resolve() == Profile("default", "https://d.example", "kd")
    monkeypatch.setenv("SCRM_PROFILE", "ci")
    assert resolve() == Profile("ci", "https://c.example", "kc")
    assert resolve("prod") == Profile("prod", "https://p.example", "kp")  # --profile beats $SCRM_PROFILE
    monkeypatch.setenv("SCRM_API_KEY", "kenv")  # one variable overrides that part of the profile
    assert resolve("prod") == Profile("prod", "https://p.example", "kenv")
    monkeypatch.setenv("SCRM_API_URL", "https://e.example/")
    assert resolve("prod") == Profile("env", "https://e.example", "kenv")  # both: the environment wins


def test_no_profile_is_one_line_saying_how_to_log_in(cfg) -> None:
    with pytest.raises(ProfileError, match=r"^no admin API key: run scrm login --url URL --key KEY"):
        resolve()
    save(Profile("default", "https://d.example", "kd"))
    with pytest.raises(ProfileError, match=r"^no profile nosuch in .*\(scrm login --profile nosuch"):
        resolve("nosuch")


def test_a_file_others_can_read_is_refused(cfg) -> None:
    save(Profile("default", "https://d.example", "kd"))
    os.chmod(cfg, 0o644)
    with pytest.raises(ProfileError, match="readable by others: chmod 600"):
        resolve()


def test_a_broken_file_is_one_line(cfg) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_text("[default\nurl = ")
    os.chmod(cfg, 0o600)
    with pytest.raises(ProfileError, match=r"^cannot read .*profiles\.toml: "):
        resolve()
