"""docs/api.md's examples run as doctests: the documented API is the real one."""

from __future__ import annotations

import doctest

from tests.conftest import ROOT


def test_api_doc_examples_run() -> None:
    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0
