"""Lark errors -> E1xx diagnostics in words people understand.

Common mistakes are recognised from labelled bad examples (Lark's ``match_examples``); the
rest are described from the set of tokens the parser expected at that point.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from metriclang.diagnostics import Diagnostic, Related, error, quoted
from metriclang.errors import did_you_mean
from metriclang.source import LineIndex, Span

# (message, help) -> examples that fail at the same parser state as the mistake.
MISTAKES: dict[tuple[str, str], list[str]] = {
    ("a declaration needs a name", 'write `measure NAME ["label"] { ... }`'): [
        "measure { }", 'measure "Label" { }', "source { }", "objective { }", "journey { }",
        'objective o { strategy "S" { } }',
    ],
    ("missing `{` after the declaration's name", "open the body with `{` and close it with `}`"): [
        "measure m formula", 'measure m "x" formula', "source s table", "objective o north_star",
    ],
    ("statements take no `:`", "write `grain month`, not `grain: month`"): [
        "measure m { grain: ", "measure m { formula: ", "source s { table: ",
        'measure m { owner: ', "measure m { kind:", "objective o { north_star:",
    ],
    ("statements take no `=`", "write `formula count(orders)`, not `formula = count(orders)`"): [
        "measure m { formula = ", "measure m { grain = ", "source s { table = ",
        "objective o { north_star = ",
    ],
    ("labels are written in double quotes", 'write `measure m "Label" { ... }`'): [
        "measure m 'x' {", "source s 'x' {", "objective o 'x' {",
    ],
    ("a duration needs a unit", "write `30 days`, `2 weeks`, `1 month`, `1 quarter` or `1 year`"): [
        "measure m { drives x lag 30 }", "measure m { window 7 }",
        "measure m { drives x lag 3 effect",
        "measure m { formula conversion(a -> b, within 1) }",
    ],
    ("a stage is written `journey.stage`", "name the journey too: `stage shopper.purchase`"): [
        "measure m { stage purchase }", "objective o { strategy s { stage purchase } }",
        "measure m { stage purchase formula", "measure m { stage purchase kind",
    ],
    ("this aggregate needs a column", "write `sum(orders.amount)` or `sum(orders, amount)`"): [
        "measure m { formula sum(o) }", "measure m { formula avg(o where x) }",
        "measure m { formula percentile(o) }", "measure m { formula median(o) }",
    ],
    ("`where` needs a condition", "write `count(orders where status = 'paid')`"): [
        "measure m { formula count(o where) }", "measure m { formula sum(o.x where) }",
    ],
    ("a list has a trailing comma", "remove the last `,` or add the missing name"): [
        "measure m { dimensions a, }", "objective o { strategy s { measures a, } }",
        "measure m { dimensions a, kind", "objective o { strategy s { measures a, stage",
    ],
    ("`allow` needs a reason", 'write `allow V402 "why this is fine here"`'): [
        "measure m { allow V402 }", "measure m { allow V402 kind", "objective o { allow S301 }",
    ],
    ("an objective's target names a measure", "write `target MEASURE >= 35% by 2027-06-30`"): [
        "objective o { target >= ", "objective o { target 35%",
    ],
    ("an operator needs a value on both sides", "complete the formula after the operator"): [
        "measure m { formula 1 / }", "measure m { formula 1 + }", "measure m { formula 1 * }",
        "measure m { formula 1 - }",
    ],
    ("`formula` needs an expression", "write e.g. `formula count(orders)`"): [
        "measure m { formula }",
    ],
    ("`conversion` needs `within` and `by`",
     "write `conversion(sessions -> orders, within 7 days, by customer)`"): [
        "measure m { formula conversion(a -> b) }",
        "measure m { formula conversion(a -> b, by c) }",
    ],
}

_WORDS = {
    "NAME": "a name", "STRING": "a quoted string", "NUMBER": "a number", "PERCENT": "a percentage",
    "DATE": "a date (YYYY-MM-DD)", "LBRACE": "`{`", "RBRACE": "`}`", "LPAR": "`(`", "RPAR": "`)`",
    "COMMA": "`,`", "DOT": "`.`", "EQUAL": "`=`", "ARROW": "`->`", "COMPARE": "a comparison (`>=`)",
    "AGG": "an aggregate such as `sum`", "SQL_STRING": "a SQL string",
    "$END": "the end of the file",
    "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`", "SLASH": "`/`", "SQL_OP": "an operator",
}

_CONTEXTS: tuple[tuple[str, str, str], ...] = (
    ("FORMULA", "measure", "a statement such as `formula`, `grain`, `kind` or `drives`"),
    ("TABLE", "source", "a statement such as `table`, `time`, `entity` or `dimension`"),
    ("NORTH_STAR", "objective", "a statement such as `north_star`, `target` or `strategy`"),
    ("MEASURES", "strategy", "a statement such as `measures`, `hypothesis` or `stage`"),
    ("JOURNEY", "", "a declaration: `journey`, `source`, `measure` or `objective`"),
)

_BLOCK = re.compile(r"\b(journey|source|measure|objective|strategy)\s+([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Block:
    """An open ``{`` and the declaration it belongs to."""

    kind: str
    name: str
    line: int
    column: int


def open_blocks(text: str, upto: int) -> list[Block]:
    """The blocks still open at offset ``upto``, outermost first (strings and comments skipped)."""
    stack: list[Block] = []
    lines = LineIndex.of(text)
    for m in re.finditer(r'"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"|\'[^\']*(?:\'\'[^\']*)*\''
                         r'|#[^\r\n]*|[{}]', text[:upto]):
        tok = m.group()
        if tok == "{":
            head = [h for h in _BLOCK.finditer(text, max(0, m.start() - 400), m.start())]
            kind, name = (head[-1].group(1), head[-1].group(2)) if head else ("block", "?")
            line, column = lines.position(m.start())
            stack.append(Block(kind, name, line, column))
        elif tok == "}" and stack:
            stack.pop()
    return stack


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "the end of the file"
    if tok.type in ("STRING", "SQL_STRING"):
        return f"the string {quoted(str(tok), 40)}"
    if tok.type in ("NUMBER", "PERCENT", "DATE"):
        return f"the number `{quoted(str(tok), 40)}`"
    if tok.type == "NAME":
        return f"the name `{quoted(str(tok), 40)}`"
    if str(tok).isidentifier():
        return f"the keyword `{tok}`"
    return f"`{quoted(str(tok), 40)}`"


def _expected_words(expected: set[str], block: Block | None) -> str:
    for marker, kind, phrase in _CONTEXTS:
        if marker in expected:
            where = f" inside {kind} `{block.name}`" if block and kind else ""
            return f"{phrase}{where}"
    words = sorted({_WORDS.get(t, f"`{t.lower()}`") for t in expected if t != "$END"})
    if len(words) > 6:
        words = [*words[:6], "…"]
    return " or ".join(words) if len(words) < 3 else "one of " + ", ".join(words)


def to_diagnostic(exc: UnexpectedInput, path: str, text: str, offset: int,
                  classify: Callable[[UnexpectedInput], tuple[str, str] | None]) -> Diagnostic:
    """Turn a Lark error raised while parsing ``text`` into an E1xx diagnostic."""
    line, column = exc.line if exc.line > 0 else 1, exc.column if exc.column > 0 else 1
    span = Span(path, line, column, line, column + 1)
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        if char in "\"'":
            kind = "string" if char == '"' else "SQL string"
            return error("E102", f"unterminated {kind}", span,
                         f"close it with {char} on the same line" if char == '"'
                         else f"close it with {char}")
        if char == ";":
            return error("E103", "unexpected `;`", span,
                         "statements end with the line, without `;`; a SQL fragment is one "
                         "expression")
        return error("E103", f"unexpected character `{char}`", span,
                     "identifiers are ASCII letters, digits and `_`; text goes in double quotes")
    token = getattr(exc, "token", None)
    at_end = isinstance(exc, UnexpectedEOF) or (token is not None and token.type == "$END")
    blocks = open_blocks(text, offset)
    block = blocks[-1] if blocks else None
    if at_end and block:
        return error("E104", f"missing `}}` for {block.kind} `{block.name}` opened at line "
                     f"{block.line}", _end_span(path, text),
                     f"add `}}` to close {block.kind} `{block.name}`",
                     [Related(f"{block.kind} `{block.name}` opened here",
                              Span(path, block.line, block.column, block.line, block.column + 1))])
    if token is not None and token.type != "$END":
        span = Span(path, token.line or line, token.column or column,
                    token.end_line or line, token.end_column or column + 1)
    known = classify(exc)
    if known:
        return error("E101", f"{known[0]}", span, known[1])
    expected = set(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ())
    found = _describe_token(token) if token is not None else "the end of the file"
    return error("E101", f"expected {_expected_words(expected, block)}, found {found}", span,
                 _hint(token, block))


#: Statement keywords of each block, for "did you mean" after an unknown statement.
_STATEMENTS = {
    "source": ("table", "time", "key", "entity", "dimension"),
    "measure": ("formula", "kind", "perspective", "grain", "window", "cumulative", "dimensions",
                "stage", "direction", "unit", "owner", "target", "description", "drives", "allow"),
    "objective": ("north_star", "target", "owner", "description", "allow", "strategy"),
    "strategy": ("hypothesis", "stage", "owner", "description", "measures", "allow"),
    "journey": ("stage",),
    "block": (),
}


def _hint(token: Token | None, block: Block | None) -> str | None:
    """A ``help:`` for an unexpected token: the statement it resembles, or what `->` is for."""
    if token is None:
        return None
    if token.type == "ARROW":
        return "`->` only separates the two sides of `conversion(FROM -> TO, ...)`"
    words = _STATEMENTS.get(block.kind, ()) if block else (
        "journey", "source", "measure", "objective")
    return did_you_mean(str(token), words)


def _end_span(path: str, text: str) -> Span:
    line, column = LineIndex.of(text).position(len(text.rstrip()))
    return Span(path, line, column, line, column + 1)
