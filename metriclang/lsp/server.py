"""``osm lsp``: the language server over stdio (pygls).

The project is the workspace folder (else the folder of the first file opened). Every change
marks the session stale; the check runs once the editor has been quiet for
:data:`DEBOUNCE` seconds, or at once when a request needs an answer, and publishes the
diagnostics of every file of the project.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from metriclang import __version__
from metriclang.lsp import features
from metriclang.lsp.session import Session

#: Seconds without a keystroke before the project is checked again.
DEBOUNCE = 0.15


class OsmServer(LanguageServer):
    """The server with its session; ``stale`` until the last change has been checked."""

    def __init__(self) -> None:
        super().__init__("osm", __version__,
                         text_document_sync_kind=t.TextDocumentSyncKind.Incremental)
        self.session: Session | None = None
        self.stale = True
        self.published: set[str] = set()
        self.pending: asyncio.Task[None] | None = None

    def open_session(self, hint: Path | None = None) -> Session:
        if self.session is None:
            root = self.workspace.root_path
            self.session = Session(Path(root) if root else (hint or Path.cwd()))
        return self.session

    def uri(self, rel: str) -> str:
        assert self.session is not None
        return from_fs_path(str(self.session.root / rel)) or ""

    def rel(self, uri: str) -> str | None:
        path = to_fs_path(uri)
        return None if path is None else self.open_session(Path(path).parent).rel(Path(path))

    def fresh(self) -> Session:
        """The session, checked again first if anything changed since."""
        session = self.open_session()
        if self.stale:
            self.stale = False
            session.recheck()
            self._publish(session)
        return session

    def _publish(self, session: Session) -> None:
        found = features.diagnostics(session, self.uri)
        for rel in self.published - found.keys():
            found[rel] = []
        for rel, items in found.items():
            self.text_document_publish_diagnostics(
                t.PublishDiagnosticsParams(self.uri(rel), items))
        self.published = {rel for rel, items in found.items() if items}

    def changed(self, uri: str) -> None:
        """Take the editor's text of ``uri`` and check again once typing pauses."""
        rel = self.rel(uri)
        if rel is None or self.session is None:
            return
        if rel.endswith(".osm"):
            self.session.edits[rel] = self.workspace.get_text_document(uri).source
        self.stale = True
        if self.pending is not None:
            self.pending.cancel()
        self.pending = asyncio.get_running_loop().create_task(self._later())

    async def _later(self) -> None:
        await asyncio.sleep(DEBOUNCE)
        self.fresh()


server = OsmServer()


def _at(params: Any) -> tuple[Session, str, int, int] | None:
    """The session, file and 1-based position of a positional request."""
    session = server.fresh()
    rel = server.rel(params.text_document.uri)
    if rel is None:
        return None
    return session, rel, params.position.line + 1, params.position.character + 1


@server.feature(t.INITIALIZED)
def initialized(ls: OsmServer, params: t.InitializedParams) -> None:
    ls.open_session()
    ls.fresh()


@server.feature(t.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: OsmServer, params: t.DidOpenTextDocumentParams) -> None:
    ls.changed(params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: OsmServer, params: t.DidChangeTextDocumentParams) -> None:
    ls.changed(params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: OsmServer, params: t.DidCloseTextDocumentParams) -> None:
    rel = ls.rel(params.text_document.uri)
    if ls.session is not None and rel is not None:
        ls.session.edits.pop(rel, None)  # the file on disk is the truth again
        ls.stale = True
        ls.fresh()


@server.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def watched(ls: OsmServer, params: t.DidChangeWatchedFilesParams) -> None:
    ls.stale = True
    ls.fresh()


@server.feature(t.TEXT_DOCUMENT_HOVER)
def hover(ls: OsmServer, params: t.HoverParams) -> t.Hover | None:
    at = _at(params)
    return features.hover(*at) if at else None


@server.feature(t.TEXT_DOCUMENT_DEFINITION)
def definition(ls: OsmServer, params: t.DefinitionParams) -> list[t.Location]:
    at = _at(params)
    return features.definition(*at, ls.uri) if at else []


@server.feature(t.TEXT_DOCUMENT_REFERENCES)
def references(ls: OsmServer, params: t.ReferenceParams) -> list[t.Location]:
    at = _at(params)
    return features.references(*at, params.context.include_declaration,
                               ls.uri) if at else []


@server.feature(t.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(ls: OsmServer, params: t.PrepareRenameParams) -> t.Range | None:
    at = _at(params)
    return features.prepare_rename(*at) if at else None


@server.feature(t.TEXT_DOCUMENT_RENAME)
def rename(ls: OsmServer, params: t.RenameParams) -> t.WorkspaceEdit | None:
    at = _at(params)
    if at is None:
        return None
    try:
        return features.rename(*at, params.new_name, ls.uri)
    except ValueError as exc:
        raise JsonRpcInvalidParams(str(exc)) from None


@server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbols(ls: OsmServer, params: t.DocumentSymbolParams) -> list[t.DocumentSymbol]:
    session, rel = ls.fresh(), ls.rel(params.text_document.uri)
    return features.document_symbols(session, rel) if rel else []


@server.feature(t.WORKSPACE_SYMBOL)
def workspace_symbols(ls: OsmServer, params: t.WorkspaceSymbolParams
                      ) -> list[t.WorkspaceSymbol]:
    return features.workspace_symbols(ls.fresh(), params.query, ls.uri)


@server.feature(t.TEXT_DOCUMENT_COMPLETION, t.CompletionOptions(trigger_characters=[".", " "]))
def completion(ls: OsmServer, params: t.CompletionParams) -> t.CompletionList:
    return t.CompletionList(is_incomplete=False, items=features.completion(ls.fresh()))


@server.feature(t.TEXT_DOCUMENT_CODE_ACTION,
                t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix]))
def code_actions(ls: OsmServer, params: t.CodeActionParams) -> list[t.CodeAction]:
    session, rel = ls.fresh(), ls.rel(params.text_document.uri)
    return features.code_actions(session, rel, params.text_document.uri,
                                 params.range) if rel else []


@server.feature(t.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: OsmServer, params: t.DocumentFormattingParams) -> list[t.TextEdit]:
    rel = ls.rel(params.text_document.uri)
    text = ls.workspace.get_text_document(params.text_document.uri).source
    return features.formatting(text, rel or "<buffer>")


def serve() -> None:
    """Talk LSP over stdin and stdout until the editor stops the server."""
    server.start_io()
