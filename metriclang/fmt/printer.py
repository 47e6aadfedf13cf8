"""Print a file's syntax tree in the canonical layout, with its comments.

The layout (documented in ``docs/fmt.md``): declarations in file order, one blank line
apart; two-space indentation; statements in a fixed order per declaration (repeated
statements keep their relative order, so meaning never changes); one statement per line;
formulas on one line unless longer than :data:`LINE_LENGTH`, then broken before each
top-level operator, operands aligned; SQL fragments verbatim; strings re-escaped.
"""

from __future__ import annotations

from typing import Any

from metriclang.fmt.comments import Attached, Note, attach
from metriclang.source import LineIndex
from metriclang.syntax import ast
from metriclang.syntax.ast import keyword_of

LINE_LENGTH = 100
INDENT = "  "

#: Canonical statement order per declaration; unknown (misplaced) statements go last.
ORDER: dict[type, tuple[str, ...]] = {
    ast.SourceDecl: ("table", "time", "key", "entity", "dimension"),
    ast.MeasureDecl: ("formula", "kind", "perspective", "stage", "grain", "window",
                      "cumulative", "dimensions", "direction", "unit", "target", "owner",
                      "description", "drives", "allow"),
    ast.ObjectiveDecl: ("owner", "description", "north_star", "target", "allow", "strategy"),
    ast.StrategyDecl: ("hypothesis", "stage", "owner", "description", "measures", "allow"),
}
_KEYWORD = {ast.JourneyDecl: "journey", ast.SourceDecl: "source", ast.MeasureDecl: "measure",
            ast.ObjectiveDecl: "objective", ast.StrategyDecl: "strategy"}
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def quote(value: str) -> str:
    """A double-quoted string literal that reads back as ``value``."""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\t", "\\t").replace("\r", "\\\r"))  # a CR can only be written escaped
    return f'"{escaped}"'


def _duration(d: ast.Duration) -> str:
    return f"{d.amount} {d.unit.value}"


def _prec(node: ast.Formula) -> int:
    match node:
        case ast.Binary(op=op):
            return _PREC[op]
        case ast.Negate():
            return 3
    return 4


class Printer:
    """Renders one file; ``text`` is the source it was parsed from."""

    def __init__(self, tree: ast.FileAST, text: str) -> None:
        self.tree, self.text = tree, text
        self.lines = LineIndex.of(text)
        self.notes: Attached = attach(tree, self.lines)
        self.out: list[str] = []
        self.pending_blank = False

    # ------------------------------------------------------------ output
    def emit(self, line: str) -> None:
        if self.pending_blank and self.out and not self.out[-1].endswith("{"):
            self.out.append("")
        self.pending_blank = False
        self.out.append(line.rstrip())

    def blank(self) -> None:
        self.pending_blank = True

    def comments(self, notes: tuple[Note, ...], indent: str, first: bool = False) -> None:
        for i, n in enumerate(notes):
            if n.blank_before and not (first and i == 0):
                self.blank()
            self.emit(indent + n.text)
        if notes and notes[-1].blank_after:
            self.blank()

    def trail(self, node: Any) -> str:
        notes = self.notes.trailing.get(id(node), ())
        return "".join("  " + n.text for n in notes[-1:])

    def render(self) -> str:
        for i, decl in enumerate(self.tree.declarations):
            if i:
                self.blank()
            self.block(decl, "", first=i == 0)
        self.comments(self.notes.dangling.get(0, ()), "", first=not self.tree.declarations)
        return "\n".join(self.out).strip("\n") + "\n" if self.out else ""

    # ------------------------------------------------------------ blocks
    def leading(self, node: Any, indent: str, first: bool) -> None:
        notes = self.notes.trailing.get(id(node), ())
        extra = tuple(Note(n.text, False, False) for n in notes[:-1])
        self.comments(self.notes.leading.get(id(node), ()) + extra, indent, first)

    def block(self, decl: Any, indent: str, first: bool) -> None:
        self.leading(decl, indent, first)
        head = f"{indent}{_KEYWORD[type(decl)]} {decl.name.value}"
        if decl.label is not None:
            head += " " + quote(decl.label.value)
        header = self.notes.header.get(id(decl), ())
        kids = self.ordered(decl)
        dangling = self.notes.dangling.get(id(decl), ())
        if not kids and not dangling and not header:
            self.emit(head + " {}" + self.trail(decl))
            return
        self.emit(head + " {" + "".join("  " + n.text for n in header[-1:]))
        inner = indent + INDENT
        self.comments(tuple(Note(n.text, False, False) for n in header[:-1]), inner, True)
        for i, kid in enumerate(kids):
            if isinstance(kid, ast.StrategyDecl):
                if i:
                    self.blank()
                self.block(kid, inner, first=i == 0)
            else:
                self.leading(kid, inner, first=i == 0)
                self.emit(self.statement(kid, inner) + self.trail(kid))
        self.comments(dangling, inner, first=not kids)
        self.pending_blank = False
        self.emit(indent + "}" + self.trail(decl))

    def ordered(self, decl: Any) -> list[Any]:
        if isinstance(decl, ast.JourneyDecl):
            return list(decl.stages)
        order = ORDER[type(decl)]
        rank = {k: i for i, k in enumerate(order)}
        return sorted(decl.statements, key=lambda s: rank.get(keyword_of(s), len(order)))

    # ------------------------------------------------------------ statements
    def statement(self, stmt: Any, indent: str) -> str:
        match stmt:
            case ast.StageDecl(name=name, label=label):
                body = f"stage {name.value}" + (f" {quote(label.value)}" if label else "")
            case ast.TableStmt():
                body = f"table {stmt.dotted}"
            case ast.ColumnStmt(keyword=k, column=c):
                body = f"{k} {c.value}"
            case ast.EntityStmt(name=n, column=c):
                body = f"entity {n.value} = {c.value}"
            case ast.DimensionStmt(name=n, expr=e):
                body = f"dimension {n.value}" + (f" = {self.sql(e)}" if e else "")
            case ast.FormulaStmt(formula=f):
                return self.formula(f, indent)
            case ast.WordStmt(keyword=k, word=w):
                body = f"{k} {w.value}"
            case ast.WindowStmt(duration=d):
                body = f"window {_duration(d)}"
            case ast.FlagStmt(keyword=k):
                body = k
            case ast.NamesStmt(keyword=k, names=names):
                return self.names(k, [n.value for n in names], indent)
            case ast.StageStmt(journey=j, stage=s):
                body = f"stage {j.value}.{s.value}"
            case ast.TextStmt(keyword=k, text=t):
                body = f"{k} {quote(t.value)}"
            case ast.TargetStmt(value=v):
                body = f"target {v.text}"
            case ast.DrivesStmt(target=t, lag=lag, effect=effect):
                body = f"drives {t.value}" + (f" lag {_duration(lag)}" if lag else "") + (
                    f" effect {effect.value}" if effect else "")
            case ast.AllowStmt(code=c, reason=r):
                body = f"allow {c.value} {quote(r.value)}"
            case ast.NorthStarStmt(measure=m):
                body = f"north_star {m.value}"
            case ast.ObjectiveTargetStmt(measure=m, op=op, value=v, by=by):
                body = f"target {m.value} {op} {v.text}" + (f" by {by.text}" if by else "")
            case _:
                raise TypeError(stmt)
        return indent + body

    @staticmethod
    def names(keyword: str, names: list[str], indent: str) -> str:
        """``measures a, b, c``, wrapped under the first name when longer than a line."""
        lines = [f"{indent}{keyword} {names[0]}"]
        pad = " " * len(f"{indent}{keyword} ")
        for name in names[1:]:
            if len(lines[-1]) + len(name) + 2 > LINE_LENGTH - 1:
                lines[-1] += ","
                lines.append(pad + name)
            else:
                lines[-1] += f", {name}"
        return "\n".join(lines)

    # ------------------------------------------------------------ formulas
    def formula(self, node: ast.Formula, indent: str) -> str:
        one = f"{indent}formula {self.expr(node)}"
        if len(one.split("\n")[0]) <= LINE_LENGTH or not isinstance(node, ast.Binary):
            return one
        head = f"{indent}formula "
        pad = indent + " " * (len("formula ") - 2)
        segments = self.segments(node, len(head))
        lines = [head + segments[0][1]] + [f"{pad}{op} {text}" for op, text in segments[1:]]
        return "\n".join(lines)

    def segments(self, node: ast.Binary, width: int) -> list[tuple[str, str]]:
        """A long operator chain as ``(operator, operand)`` lines, split further if needed."""
        level = _PREC[node.op]
        parts: list[tuple[str, ast.Formula]] = []
        cur: ast.Formula = node
        while isinstance(cur, ast.Binary) and _PREC[cur.op] == level:
            parts.append((cur.op, cur.right))
            cur = cur.left
        parts.append(("", cur))
        out: list[tuple[str, str]] = []
        for op, operand in reversed(parts):
            text = self.operand(operand, level, bool(op))
            if (width + len(text) > LINE_LENGTH and isinstance(operand, ast.Binary)
                    and _PREC[operand.op] > level):
                inner = self.segments(operand, width)
                out += [(op, inner[0][1]), *inner[1:]]
            else:
                out.append((op, text))
        return out

    def operand(self, node: ast.Formula, level: int, right: bool) -> str:
        text = self.expr(node)
        p = _prec(node)
        return f"({text})" if p < level or (right and p == level) else text

    def expr(self, node: ast.Formula) -> str:
        match node:
            case ast.NumberExpr(number=n):
                return n.text
            case ast.MeasureRef(name=n):
                return n.value
            case ast.Binary(op=op, left=left, right=right):
                level = _PREC[op]
                return (f"{self.operand(left, level, False)} {op} "
                        f"{self.operand(right, level, True)}")
            case ast.Negate(operand=o):
                inner = self.expr(o)
                return f"-({inner})" if _prec(o) <= 3 else f"-{inner}"
            case ast.Aggregate():
                return self.aggregate(node)
            case ast.Conversion():
                return (f"conversion({node.from_source.value}{self.where(node.from_where)} -> "
                        f"{node.to_source.value}{self.where(node.to_where)}, within "
                        f"{_duration(node.within)}, by {node.entity.value})")
        raise TypeError(node)

    def sql(self, fragment: ast.Sql) -> str:
        """A SQL fragment exactly as written, with any comments inside it (LF line ends)."""
        s = fragment.span
        return self._slice((s.line, s.column), (s.end_line, s.end_column)).replace("\r\n", "\n")

    def where(self, fragment: ast.Sql | None) -> str:
        return f" where {self.sql(fragment)}" if fragment else ""

    def aggregate(self, node: ast.Aggregate) -> str:
        src = node.source.value
        if node.expr is None:
            return f"count({src}{self.where(node.where)})"
        p = f", {node.percentile.text}" if node.percentile else ""
        if self.short_form(node):
            return f"{node.func}({src}.{self.sql(node.expr)}{p}{self.where(node.where)})"
        return f"{node.func}({src}, {self.sql(node.expr)}{p}{self.where(node.where)})"

    def short_form(self, node: ast.Aggregate) -> bool:
        """Whether the author wrote ``sum(orders.amount)`` rather than ``sum(orders, amount)``."""
        assert node.expr is not None
        s, e = node.source.span, node.expr.span
        between = self._slice((s.end_line, s.end_column), (e.line, e.column))
        code = "".join(line.split("#", 1)[0] for line in between.split("\n"))
        return code.strip() == "."

    def _slice(self, a: tuple[int, int], b: tuple[int, int]) -> str:
        return self.text[self.lines.offset(a):self.lines.offset(b)]
