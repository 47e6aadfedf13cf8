"""``osm lsp``: a language server for ``.osm`` files (docs/editor.md).

What ``osm check`` sees, as the editor types: diagnostics with quick fixes, hover, go to
definition, references, rename across files, symbols, completion and formatting. The symbols
(:mod:`.symbols`) and the session (:mod:`.session`) stand on the loading stage; the answers
(:mod:`.features`) on :mod:`metriclang.api`; the protocol (:mod:`.server`) needs the ``pygls``
package (``pip install 'metriclang[lsp]'``).
"""
