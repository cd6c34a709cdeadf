"""What the reader keeps between runs (the theme): a small JSON file (config.state_path()), never the config."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


class StateError(Exception):
    """The state file could not be read or written (the reader goes on with its defaults)."""


def load(path: Path) -> dict[str, object]:
    """The saved state; {} when there is none yet. StateError when it is there but unreadable."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        state = json.loads(raw)
    except ValueError as exc:
        raise StateError(f"{path} is not JSON ({exc}); it is written again on the next change") from exc
    if not isinstance(state, dict):
        raise StateError(f"{path} holds no object; it is written again on the next change")
    return state


def save(path: Path, state: dict[str, object]) -> None:
    """Write the state whole or not at all (a temporary file renamed over the old one)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(state, f, indent=1)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise StateError(f"cannot write {path}: {exc.strerror or exc}") from exc
