"""A hand-written parser of well-formed ``.osm`` files: the same syntax tree as the grammar's.

Lark's LALR parser in pure Python costs several microseconds a token; this recursive-descent
parser over one regular-expression scan costs about a third of that. It is a shortcut, not a
second definition of the language: ``grammar/osm.lark`` stays the single source of truth. The
moment the text is anything but what this parser fully understands (a syntax error, a
character it does not know, nesting deeper than the parser's limit), it gives up and
:func:`~metriclang.syntax.parser.parse_file` parses the file with Lark, which reports the
diagnostics. Its trees are tested identical to Lark's on every corpus file and on mutants
(``tests/syntax/test_fastparse.py``).

It reproduces Lark's contextual lexer where the grammar's tokens depend on the parser state:
a keyword is a keyword only where the grammar expects one (``time`` is a column name after
``time``), SQL fragments end at the keywords that may follow them, ``5%`` is a percentage
only where a literal is expected, and after a closing parenthesis inside a SQL fragment the
keywords of every context end or break the fragment (LALR shares that parser state).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from decimal import Decimal

from metriclang.source import Span
from metriclang.syntax import ast
from metriclang.syntax.transformer import fragment_text, unquote

#: Parentheses deeper than this (or a chain of unary minus longer) go to the Lark parser.
MAX_DEPTH = 200

#: One token (whitespace is skipped by the search): a comment, word, number, string, SQL
#: string, punctuation (``p``, read by its text) or any other character (``x``: Lark's job).
_TOKEN = re.compile(r"""
 (?P<c>\#[^\r\n]*)
|(?P<w>[A-Za-z_][A-Za-z0-9_]*)
|(?P<n>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
|(?P<s>"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*")
|(?P<q>'[^']*(?:''[^']*)*')
|(?P<p>->|>=|<=|!=|<>|\|\||::|[{}(),.=<>+\-*/%!|&^~:\[\]?@])
|(?P<x>[^ \t\f\r\n])""", re.X)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\d-])")

_SOURCE = frozenset(("table", "time", "key", "entity", "dimension", "valid"))
_MEASURE = frozenset(("formula", "kind", "perspective", "grain", "direction", "window",
                      "cumulative", "dimensions", "stage", "unit", "owner", "description",
                      "hypothesis", "target", "drives", "allow"))
_TEXT = frozenset(("unit", "owner", "description", "hypothesis"))
_WORD = frozenset(("kind", "perspective", "grain", "direction"))
_AGG = frozenset(("count_distinct", "sum", "avg", "min", "max", "median"))
_FUNCTIONS = _AGG | {"count", "percentile", "conversion"}
_COMPARE = frozenset((">=", "<=", ">", "<", "="))
#: Tokens of a SQL fragment other than words, numbers and strings (``(`` opens a group).
_SQL_OPS = frozenset(("->", ">=", "<=", "!=", "<>", "||", "::", ".", "=", "<", ">", "+", "-",
                      "*", "/", "%", "!", "|", "&", "^", "~", ":", "[", "]", "?", "@"))
#: Words read as keywords right after a parenthesised group inside a fragment.
_AFTER_GROUP = _SOURCE | {"where"}

#: kind (w, n, s, q, or p: punctuation, read by its text), text, start offset, end offset
Token = tuple[str, str, int, int]


class Bail(Exception):
    """The text is not something this parser fully understands: Lark must parse it."""


def parse_fast(path: str, text: str) -> ast.FileAST | None:
    """The syntax tree of a well-formed file, or None when Lark must parse it (any error)."""
    try:
        return _Parser(path, text).file()
    except (Bail, RecursionError):  # deep nesting called from a deep stack: Lark has no limit
        return None


class _Parser:
    """One file: its tokens, read once, and the recursive descent over them."""

    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        starts, at = [0], text.find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = text.find("\n", at + 1)
        self.starts = starts
        self.comments: list[ast.Comment] = []
        tokens = [(m.lastgroup or "", m.group(), m.start(), m.end())
                  for m in _TOKEN.finditer(text)]
        if "#" in text:
            self.comments = [ast.Comment(t[1], self.span(t[2], t[3]))
                             for t in tokens if t[0] == "c"]
            tokens = [t for t in tokens if t[0] != "c"]
        if "x" in {t[0] for t in tokens}:
            raise Bail
        tokens.append(("$", "", len(text), len(text)))
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    # ---------------------------------------------------------------- positions
    def span(self, start: int, end: int) -> Span:
        """The span of text offsets ``start:end`` (1-based lines and columns, as Lark's)."""
        starts = self.starts
        line = bisect_right(starts, start)
        first = starts[line - 1]
        if line == len(starts) or end < starts[line]:
            return Span(self.path, line, start - first + 1, line, end - first + 1)
        end_line = bisect_right(starts, end)
        return Span(self.path, line, start - first + 1, end_line, end - starts[end_line - 1] + 1)

    def tspan(self, tok: Token) -> Span:
        return self.span(tok[2], tok[3])

    # ---------------------------------------------------------------- token helpers
    def next(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, kind: str) -> Token:
        tok = self.tokens[self.i]
        if tok[0] != kind:
            raise Bail
        self.i += 1
        return tok

    def punct(self, text: str) -> Token:
        tok = self.tokens[self.i]
        if tok[1] != text:
            raise Bail
        self.i += 1
        return tok

    def keyword(self, word: str) -> Token:
        tok = self.tokens[self.i]
        if tok[0] != "w" or tok[1] != word:
            raise Bail
        self.i += 1
        return tok

    def name(self) -> ast.Name:
        tok = self.expect("w")
        return ast.Name(tok[1], self.tspan(tok))

    def text_node(self) -> ast.Text:
        tok = self.expect("s")
        return ast.Text(unquote(tok[1]), self.tspan(tok))

    def peek_word(self) -> str | None:
        tok = self.tokens[self.i]
        return tok[1] if tok[0] == "w" else None

    # ---------------------------------------------------------------- declarations
    def file(self) -> ast.FileAST:
        declarations: list[ast.Declaration] = []
        while self.tokens[self.i][0] != "$":
            word = self.peek_word()
            if word == "measure":
                declarations.append(self.measure())
            elif word == "source":
                declarations.append(self.source())
            elif word == "objective":
                declarations.append(self.objective())
            elif word == "journey":
                declarations.append(self.journey())
            else:
                raise Bail
        return ast.FileAST(self.path, tuple(declarations), tuple(self.comments))

    def head(self) -> tuple[Token, ast.Name, ast.Text | None]:
        first = self.next()
        name = self.name()
        label = self.text_node() if self.tokens[self.i][0] == "s" else None
        self.punct("{")
        return first, name, label

    def close(self, first: Token) -> Span:
        return self.span(first[2], self.punct("}")[3])

    def journey(self) -> ast.JourneyDecl:
        first, name, label = self.head()
        stages = []
        while self.peek_word() == "stage":
            start = self.next()
            stage = self.name()
            text = self.text_node() if self.tokens[self.i][0] == "s" else None
            stages.append(ast.StageDecl(stage, text, self.to(start)))
        return ast.JourneyDecl(name, label, tuple(stages), self.close(first))

    def source(self) -> ast.SourceDecl:
        first, name, label = self.head()
        body: list[ast.TableStmt | ast.ColumnStmt | ast.EntityStmt | ast.DimensionStmt
                   | ast.ValidStmt] = []
        while True:
            word = self.peek_word()
            if word is None or word not in _SOURCE:
                break
            start = self.next()
            if word == "table":
                parts = [self.name()]
                while self.tokens[self.i][1] == ".":
                    self.i += 1
                    parts.append(self.name())
                body.append(ast.TableStmt(tuple(parts), self.to(start)))
            elif word in ("time", "key"):
                body.append(ast.ColumnStmt(word, self.name(), self.to(start)))
            elif word == "entity":
                entity = self.name()
                self.punct("=")
                body.append(ast.EntityStmt(entity, self.name(), self.to(start)))
            elif word == "dimension":
                dimension = self.name()
                expr = None
                if self.tokens[self.i][1] == "=":
                    self.i += 1
                    expr = self.fragment(in_arg=False)
                body.append(ast.DimensionStmt(dimension, expr, self.to(start)))
            else:
                self.keyword("from")
                column = self.name()
                self.keyword("to")
                body.append(ast.ValidStmt(column, self.name(), self.to(start)))
        return ast.SourceDecl(name, label, tuple(body), self.close(first))

    def to(self, start: Token) -> Span:
        """From ``start`` to the end of the last token read."""
        return self.span(start[2], self.tokens[self.i - 1][3])

    def measure(self) -> ast.MeasureDecl:
        first, name, label = self.head()
        body: list[object] = []
        while True:
            word = self.peek_word()
            if word is None or word not in _MEASURE:
                break
            start = self.next()
            if word == "formula":
                formula = self.formula()
                body.append(ast.FormulaStmt(formula, self.span_to(start, formula)))  # type: ignore[arg-type]
            elif word in _WORD:
                body.append(ast.WordStmt(word, self.name(), self.to(start)))
            elif word in _TEXT:
                body.append(ast.TextStmt(word, self.text_node(), self.to(start)))
            elif word == "dimensions":
                names = [self.dim_ref()]
                while self.tokens[self.i][1] == ",":
                    self.i += 1
                    names.append(self.dim_ref())
                body.append(ast.NamesStmt("dimensions", tuple(names), self.to(start)))
            else:
                body.append(self.measure_statement(word, start))
        return ast.MeasureDecl(name, label, tuple(body), self.close(first))

    def measure_statement(self, word: str, start: Token) -> object:
        if word == "window":
            return ast.WindowStmt(self.duration(), self.to(start))
        if word == "cumulative":
            return ast.FlagStmt("cumulative", self.to(start))
        if word == "stage":
            return self.stage(start)
        if word == "target":
            return ast.TargetStmt(self.number(), self.to(start))
        if word == "drives":
            target = self.name()
            lag = effect = None
            if self.peek_word() == "lag":
                self.i += 1
                lag = self.duration()
            if self.peek_word() == "effect":
                self.i += 1
                effect = self.name()
            return ast.DrivesStmt(target, lag, effect, self.to(start))
        return self.allow(start)

    def stage(self, start: Token) -> ast.StageStmt:
        journey = self.name()
        self.punct(".")
        return ast.StageStmt(journey, self.name(), self.to(start))

    def allow(self, start: Token) -> ast.AllowStmt:
        code = self.name()
        return ast.AllowStmt(code, self.text_node(), self.to(start))

    def objective(self) -> ast.ObjectiveDecl:
        first, name, label = self.head()
        body: list[object] = []
        while True:
            word = self.peek_word()
            if word is None:
                break
            if word in _TEXT:
                start = self.next()
                body.append(ast.TextStmt(word, self.text_node(), self.to(start)))
            elif word == "north_star":
                start = self.next()
                body.append(ast.NorthStarStmt(self.name(), self.to(start)))
            elif word == "target":
                body.append(self.objective_target())
            elif word == "allow":
                body.append(self.allow(self.next()))
            elif word == "strategy":
                body.append(self.strategy())
            else:
                break
        return ast.ObjectiveDecl(name, label, tuple(body), self.close(first))

    def objective_target(self) -> ast.ObjectiveTargetStmt:
        start = self.next()
        measure = self.name()
        op = self.next()
        if op[1] not in _COMPARE:
            raise Bail
        value = self.number()
        by = None
        if self.peek_word() == "by":
            self.i += 1
            first = self.tokens[self.i]
            m = _DATE.match(self.text, first[2]) if first[0] == "n" else None
            if m is None:
                raise Bail
            while self.tokens[self.i][3] < m.end():
                self.i += 1
            if self.tokens[self.i][3] != m.end():
                raise Bail
            self.i += 1
            by = ast.DateLit(m.group(), self.span(m.start(), m.end()))
        return ast.ObjectiveTargetStmt(measure, op[1], value, by, self.to(start))

    def strategy(self) -> ast.StrategyDecl:
        first, name, label = self.head()
        body: list[object] = []
        while True:
            word = self.peek_word()
            if word is None:
                break
            if word in _TEXT:
                start = self.next()
                body.append(ast.TextStmt(word, self.text_node(), self.to(start)))
            elif word == "stage":
                body.append(self.stage(self.next()))
            elif word == "measures":
                start = self.next()
                names = [self.name()]
                while self.tokens[self.i][1] == ",":
                    self.i += 1
                    names.append(self.name())
                body.append(ast.NamesStmt("measures", tuple(names), self.to(start)))
            elif word == "allow":
                body.append(self.allow(self.next()))
            else:
                break
        return ast.StrategyDecl(name, label, tuple(body), self.close(first))

    # ---------------------------------------------------------------- small pieces
    def dim_ref(self) -> ast.Name:
        first = self.expect("w")
        parts = [first[1]]
        while self.tokens[self.i][1] == ".":
            self.i += 1
            parts.append(self.expect("w")[1])
        return ast.Name(".".join(parts), self.to(first))

    def duration(self) -> ast.Duration:
        amount = self.expect("n")
        unit = self.name()
        return ast.Duration(amount[1], unit, self.to(amount))

    def literal(self) -> ast.Number:
        tok = self.expect("n")
        following = self.tokens[self.i]
        if following[1] == "%" and following[2] == tok[3] and "e" not in tok[1] \
                and "E" not in tok[1]:
            self.i += 1
            value = tok[1] + "%"
            return ast.Number(value, Decimal(tok[1]) / 100, True, self.to(tok))
        return ast.Number(tok[1], Decimal(tok[1]), False, self.tspan(tok))

    def number(self) -> ast.Number:
        if self.tokens[self.i][1] != "-":
            return self.literal()
        minus = self.next()
        lit = self.literal()
        return ast.Number("-" + lit.text, -lit.value, lit.percent, self.to(minus))

    # ---------------------------------------------------------------- formulas
    def formula(self) -> object:
        left = self.product()
        while self.tokens[self.i][1] in ("+", "-"):
            op = self.next()[1]
            right = self.product()
            left = ast.Binary(op, left, right, left.span.to(right.span))  # type: ignore[arg-type,attr-defined]
        return left

    def product(self) -> object:
        left = self.unary()
        while self.tokens[self.i][1] in ("*", "/"):
            op = self.next()[1]
            right = self.unary()
            left = ast.Binary(op, left, right, left.span.to(right.span))  # type: ignore[arg-type,attr-defined]
        return left

    def unary(self) -> object:
        if self.tokens[self.i][1] != "-":
            return self.atom()
        minus = self.next()
        self.nest()
        operand = self.unary()
        self.depth -= 1
        return ast.Negate(operand, self.span_to(minus, operand))  # type: ignore[arg-type]

    def span_to(self, start: Token, node: object) -> Span:
        """From ``start`` to the end of ``node`` (a formula's span leaves out its parentheses)."""
        end: Span = node.span  # type: ignore[attr-defined]
        return self.tspan(start).to(end)

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Bail

    def atom(self) -> object:
        tok = self.tokens[self.i]
        kind = tok[0]
        if kind == "n":
            number = self.literal()
            return ast.NumberExpr(number, number.span)
        if kind == "w":
            if tok[1] in _FUNCTIONS:
                return self.function(tok[1])
            self.i += 1
            span = self.tspan(tok)
            return ast.MeasureRef(ast.Name(tok[1], span), span)
        if tok[1] == "(":
            self.i += 1
            self.nest()
            inner = self.formula()
            self.punct(")")
            self.depth -= 1
            return inner
        raise Bail

    def function(self, func: str) -> ast.Aggregate | ast.Conversion:
        start = self.next()
        self.punct("(")
        self.nest()
        source = self.name()
        if func == "conversion":
            return self.conversion(start, source)
        expr: ast.Sql | None = None
        percentile: ast.Number | None = None
        following = self.tokens[self.i][1]
        if func != "count" and following == ".":
            self.i += 1
            column = self.name()
            expr = ast.Sql(column.value, column.span)
            if self.tokens[self.i][1] == ",":
                self.i += 1
                percentile = self.literal()
        elif func != "count" and following == ",":
            self.i += 1
            expr = self.fragment(in_arg=True)
            if func == "percentile":
                self.punct(",")
                percentile = self.literal()
        elif func != "count":
            raise Bail
        where = self.where()
        self.punct(")")
        self.depth -= 1
        return ast.Aggregate(func, source, expr, percentile, where, self.to(start))

    def where(self) -> ast.Sql | None:
        if self.peek_word() != "where":
            return None
        self.i += 1
        return self.fragment(in_arg=True)

    def conversion(self, start: Token, source: ast.Name) -> ast.Conversion:
        from_where = self.where()
        self.punct("->")
        target = self.name()
        to_where = self.where()
        self.punct(",")
        self.keyword("within")
        within = self.duration()
        self.punct(",")
        self.keyword("by")
        entity = self.name()
        self.punct(")")
        self.depth -= 1
        return ast.Conversion(source, from_where, target, to_where, within, entity,
                              self.to(start))

    # ---------------------------------------------------------------- SQL fragments
    def fragment(self, in_arg: bool) -> ast.Sql:
        """A SQL fragment: an aggregate's argument or condition (``in_arg``), which ends at
        ``where``, ``,``, ``)`` or ``->``; or a dimension's expression, which ends at the next
        source statement or ``}``."""
        tokens = self.tokens
        first = tokens[self.i]
        after_group = self.item(first)  # the first token is always an item
        while True:
            tok = tokens[self.i]
            if tok[0] == "w":
                word = tok[1]
                if in_arg:
                    if word == "where":
                        break
                    if after_group and word in _SOURCE:
                        raise Bail
                elif word in _SOURCE:
                    break
                elif after_group and word == "where":
                    raise Bail
            elif tok[1] in (",", ")"):
                if in_arg:
                    break
                raise Bail
            elif tok[1] == "->":
                if in_arg:
                    break
                if after_group:
                    raise Bail
            elif tok[1] == "}":
                if in_arg:
                    raise Bail
                break
            after_group = self.item(tok)
        last = tokens[self.i - 1]
        return ast.Sql(fragment_text(self.text[first[2]:last[3]]), self.span(first[2], last[3]))

    def item(self, tok: Token) -> bool:
        """Read one item of a fragment (a token or a parenthesised group); True for a group."""
        if tok[1] == "(":
            self.group()
            return True
        if tok[0] in ("w", "n", "s", "q") or tok[1] in _SQL_OPS:
            self.i += 1
            return False
        raise Bail

    def group(self) -> None:
        self.i += 1
        self.nest()
        tokens = self.tokens
        after_group = False
        while True:
            tok = tokens[self.i]
            text = tok[1]
            if text == ")":
                self.i += 1
                self.depth -= 1
                return
            if after_group and (text == "->" or (tok[0] == "w" and text in _AFTER_GROUP)):
                raise Bail
            if text == ",":
                self.i += 1
                after_group = False
            else:
                after_group = self.item(tok)

