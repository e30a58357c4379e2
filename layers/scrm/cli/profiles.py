"""Where ``scrm`` keeps admin API keys: a TOML file of named profiles (``[default]``, ``[staging]``, …),
each an API URL and a key, readable by its owner only (0600) because a key is a password.

The file is ``$SCRM_CONFIG`` or ``$XDG_CONFIG_HOME/scrm/profiles.toml`` (``~/.config/scrm/profiles.toml``).
What a command uses, first found wins: ``SCRM_API_URL`` / ``SCRM_API_KEY`` from the environment (CI, one-off
runs), then the profile named by ``--profile``, then ``$SCRM_PROFILE``, then ``default``.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT = "default"


class ProfileError(Exception):
    """No usable URL and key: the one line says how to get one."""


@dataclass(frozen=True)
class Profile:
    name: str  # "env" when the environment supplied it
    url: str
    key: str


def config_path() -> Path:
    if os.environ.get("SCRM_CONFIG"):
        return Path(os.environ["SCRM_CONFIG"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "scrm" / "profiles.toml"


def load_all(path: Path | None = None) -> dict[str, dict[str, str]]:
    """Every profile in the file; none when there is no file. A file others may read is refused: a key
    that leaked that way must be revoked, not silently used."""
    path = path or config_path()
    if not path.exists():
        return {}
    if path.stat().st_mode & 0o077:
        raise ProfileError(f"{path} is readable by others: chmod 600 {path} (and consider revoking its keys)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read {path}: {' '.join(str(exc).split())}") from None
    return {name: {k: str(v) for k, v in table.items()} for name, table in data.items() if isinstance(table, dict)}


def resolve(name: str | None = None, path: Path | None = None) -> Profile:
    """The URL and key a command uses (precedence in the module's docstring)."""
    env_url, env_key = os.environ.get("SCRM_API_URL", ""), os.environ.get("SCRM_API_KEY", "")
    if env_url and env_key:
        return Profile("env", env_url.rstrip("/"), env_key)
    chosen = name or os.environ.get("SCRM_PROFILE") or DEFAULT
    found = load_all(path).get(chosen)
    if not found or not found.get("url") or not found.get("key"):
        if name or chosen != DEFAULT:
            raise ProfileError(f"no profile {chosen} in {path or config_path()} (scrm login --profile {chosen} ...)")
        raise ProfileError("no admin API key: run scrm login --url URL --key KEY (or set SCRM_API_URL and SCRM_API_KEY)")
    return Profile(chosen, (env_url or found["url"]).rstrip("/"), env_key or found["key"])


def save(profile: Profile, path: Path | None = None) -> Path:
    """Adds or replaces one profile, keeping the others; the file is created 0600 (its folder 0700) and
    written whole to a temporary file first, so a crash leaves the old file."""
    path = path or config_path()
    profiles = load_all(path) if path.exists() else {}
    profiles[profile.name] = {"url": profile.url, "key": profile.key}
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = "".join(
        f"[{json.dumps(n)}]\nurl = {json.dumps(p['url'])}\nkey = {json.dumps(p['key'])}\n\n"
        for n, p in sorted(profiles.items())
    )  # JSON strings are valid TOML basic strings
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path
