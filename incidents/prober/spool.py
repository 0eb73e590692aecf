"""The agent's spool: results on disk until the API has accepted them.

``pending.jsonl`` takes every result as it is observed (appended and fsynced). A flush
renames it to ``sending-<n>.jsonl`` and deletes that file only once the API has accepted
every result in it; a file left by a failed flush or a killed agent is sent again, and
the API reports what it already has as duplicates (results carry client ids).
"""

import json
import logging
import os
import time
from pathlib import Path

logger = logging.getLogger(__name__)


class Spool:
    """Results on disk until the API has accepted them (see the module docstring)."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.pending = directory / "pending.jsonl"
        self.rejected = directory / "rejected.jsonl"
        self.probe_cache = directory / "probes.json"

    @staticmethod
    def _append(path: Path, items: list[dict]) -> None:
        if not items:
            return
        with path.open("a", encoding="utf-8") as spool:
            spool.write("".join(json.dumps(item, sort_keys=True) + "\n" for item in items))
            spool.flush()
            os.fsync(spool.fileno())

    def append(self, items: list[dict]) -> None:
        self._append(self.pending, items)

    def reject(self, items: list[dict]) -> None:
        self._append(self.rejected, items)

    def sending_files(self) -> list[Path]:
        return sorted(self.directory.glob("sending-*.jsonl"))

    def claim(self) -> list[Path]:
        """Files to send: those left from earlier flushes, else the pending results."""
        files = self.sending_files()
        if not files and self.pending.exists() and self.pending.stat().st_size > 0:
            target = self.directory / f"sending-{time.time_ns():020d}.jsonl"
            os.replace(self.pending, target)
            files = [target]
        return files

    @staticmethod
    def read(path: Path) -> list[dict]:
        items = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except ValueError:  # a line torn by a crash mid-write: it was never complete
                logger.warning("spool %s: line %d is not JSON; dropped", path.name, number)
        return items

    @staticmethod
    def rewrite(path: Path, items: list[dict]) -> None:
        """Keep only ``items`` in ``path`` (atomically); delete it when none are left."""
        if not items:
            path.unlink(missing_ok=True)
            return
        temporary = path.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as spool:
            spool.write("".join(json.dumps(item, sort_keys=True) + "\n" for item in items))
            spool.flush()
            os.fsync(spool.fileno())
        os.replace(temporary, path)

    def count(self) -> int:
        paths = [self.pending, *self.sending_files()]
        return sum(len(self.read(path)) for path in paths if path.exists())

    def save_probes(self, probes: list[dict]) -> None:
        temporary = self.probe_cache.with_suffix(".tmp")
        temporary.write_text(json.dumps(probes), encoding="utf-8")
        os.replace(temporary, self.probe_cache)

    def load_probes(self) -> list[dict] | None:
        try:
            return json.loads(self.probe_cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
