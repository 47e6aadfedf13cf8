"""What an export or import produces, and writing it as one atomic directory."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from metriclang.atomic import output_dir, ownership, write_manifest
from metriclang.interop.losses import Loss

#: The ownership manifest of ``osm export`` and ``osm import`` output directories.
MANIFEST = ".osm-manifest.json"


@dataclass(frozen=True)
class Converted:
    """Files (relative path, text) to write, and what could not be carried over."""

    files: tuple[tuple[str, str], ...]
    losses: tuple[Loss, ...]


def write(out: Path, converted: Converted, command: str) -> None:
    """Write the files into a fresh sibling of ``out`` and swap it in place (see
    :func:`metriclang.atomic.output_dir`: only a previous output of the same command, or an
    empty directory, is replaced)."""
    with output_dir(out, MANIFEST, command) as tmp:
        for rel, text in converted.files:
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        hashes = {rel: hashlib.sha256(text.encode()).hexdigest() for rel, text in converted.files}
        write_manifest(tmp / MANIFEST, json.dumps(ownership(hashes), indent=2) + "\n")
