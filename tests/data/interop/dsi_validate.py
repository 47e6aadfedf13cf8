"""Parse and validate a directory of MetricFlow YAML with dbt-semantic-interfaces.

Runs inside the interop venv (``tests/interop/venv.py``), never imports metriclang.
Usage: ``python dsi_validate.py DIR``; prints JSON ``{"errors": [...], "warnings": [...],
"metrics": [...], "semantic_models": [...], "saved_queries": [...]}``.
"""

from __future__ import annotations

import json
import sys

from dbt_semantic_interfaces.parsing.dir_to_model import (
    parse_directory_of_yaml_files_to_semantic_manifest,
)
from dbt_semantic_interfaces.validations.semantic_manifest_validator import (
    SemanticManifestValidator,
)


def main(directory: str) -> None:
    build = parse_directory_of_yaml_files_to_semantic_manifest(directory)
    manifest = build.semantic_manifest
    issues = SemanticManifestValidator().validate_semantic_manifest(manifest)
    print(json.dumps({
        "parse_issues": [str(i) for i in build.issues.all_issues],
        "errors": [str(i) for i in issues.errors],
        "warnings": [str(i) for i in issues.warnings],
        "metrics": sorted(m.name for m in manifest.metrics),
        "semantic_models": sorted(s.name for s in manifest.semantic_models),
        "saved_queries": sorted(q.name for q in manifest.saved_queries),
    }, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
