#!/usr/bin/env python3
"""Fails when modules of one crate depend on each other in a circle.

A module may use its ancestors and descendants freely (a parent declares its
children and they read what it shares), but between other modules the
dependencies must form no cycle: code in a circle cannot be read, tested or
split apart one piece at a time. Every `crate::`, `super::` and `self::`
path in a file (in `use` lines and inline) is resolved to the module file
it names; `cargo` itself does not forbid such circles, so this does.

Usage: scripts/check-module-cycles.py [CRATE_DIR ...]   (default: every
workspace member with a src/ folder)
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
PATH = re.compile(rf"\b(crate|super|self)((?:::{IDENT})+)")
USE = re.compile(r"\buse\s+([^;]+);", re.S)


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    return re.sub(r"//[^\n]*", "", text)


def expand(tree: str) -> list[str]:
    """`a::{b, c::{d, e}}` -> ["a::b", "a::c::d", "a::c::e"]."""
    tree = re.sub(r"\s+", "", tree)
    brace = tree.find("{")
    if brace < 0:
        return [tree]
    prefix, inner = tree[:brace], tree[brace + 1 : tree.rfind("}")]
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    return [p for part in parts if part for p in expand(prefix + part)]


def modules(src: Path) -> dict[tuple[str, ...], Path]:
    found = {}
    for file in src.rglob("*.rs"):
        rel = file.relative_to(src).with_suffix("").parts
        if rel in (("lib",), ("main",)):
            path = ()
        elif rel[-1] == "mod":
            path = rel[:-1]
        else:
            path = rel
        if "bin" in rel[:1]:
            continue
        found[path] = file
    return found


def resolve(module: tuple[str, ...], path: str, known) -> tuple[str, ...] | None:
    head, *rest = path.split("::")
    if head == "crate":
        base = ()
    elif head == "self":
        base = module
    else:  # super, possibly repeated
        base = module[:-1]
        while rest and rest[0] == "super":
            rest, base = rest[1:], base[:-1]
    target = base + tuple(rest)
    while target not in known:
        if not target:
            return None
        target = target[:-1]
    return target


def related(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return a[: len(b)] == b or b[: len(a)] == a


def cycles(graph: dict) -> list[list]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def check(crate: Path) -> list[str]:
    known = modules(crate / "src")
    graph: dict[tuple, set] = {}
    for module, file in known.items():
        text = strip_comments(file.read_text())
        paths = [p for tree in USE.findall(text) for p in expand(tree)]
        paths += [m.group(0) for m in PATH.finditer(USE.sub("", text))]
        for path in paths:
            if not re.match(r"(crate|super|self)\b", path):
                continue
            target = resolve(module, path, known)
            if target is not None and not related(module, target):
                graph.setdefault(module, set()).add(target)
    problems = []
    for component in cycles(graph):
        names = ", ".join(str(known[m].relative_to(ROOT)) for m in component)
        problems.append(f"module circle: {names}")
    return problems


def main() -> int:
    crates = [Path(arg).resolve() for arg in sys.argv[1:]] or sorted(
        p.parent for p in ROOT.glob("*/Cargo.toml") if (p.parent / "src").is_dir()
    )
    problems = [p for crate in crates for p in check(crate)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
