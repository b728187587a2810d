#!/usr/bin/env python3
"""Writes every float64 twin from its float32 original by the rules in tools/twins.txt (TwinsTest checks them).

Run from the repository root: python3 tools/gen_twins.py          (rewrites the twins that differ)
                              python3 tools/gen_twins.py --check  (only says which differ; exit status 1 if any)
"""
import re
import sys
from pathlib import Path

RULES = Path("tools/twins.txt")


def parse(text):
    """The twins: a list of (kind, args, rewrites); kind is 'file' or 'region', rewrites are (kind, a, b)."""
    twins = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "file":
            original, _, twin = rest.partition(" -> ")
            twins.append(("file", (original, twin), []))
        elif keyword == "region":
            path, name = rest.split(" ")
            twins.append(("region", (path, name), []))
        elif keyword in ("word", "text") and twins and " -> " in rest:
            a, _, b = rest.partition(" -> ")
            twins[-1][2].append((keyword, a, b))
        else:
            sys.exit(f"{RULES}:{number}: cannot read {line!r}")
    return twins


def rewrite(text, rewrites):
    for kind, a, b in rewrites:
        if kind == "word":
            text = re.sub(r"\b" + re.escape(a) + r"\b", lambda m: b, text)
        else:
            text = text.replace(a, b)
    return text


def between(text, begin, end, where):
    """(start, stop): the offsets of the lines strictly between the line starting with `begin` and the one with `end`."""
    lines = text.split("\n")
    starts = [i for i, l in enumerate(lines) if l.strip().startswith(begin)]
    stops = [i for i, l in enumerate(lines) if l.strip().startswith(end)]
    if len(starts) != 1 or len(stops) != 1 or stops[0] <= starts[0]:
        sys.exit(f"{where}: needs exactly one line starting with '{begin}' before one starting with '{end}'")
    offset = lambda i: sum(len(l) + 1 for l in lines[:i])
    return offset(starts[0] + 1), offset(stops[0])


def generate(kind, args, rewrites):
    """(path, expected text of that file)."""
    if kind == "file":
        original, twin = args
        src, dst = Path(original).read_text(encoding="utf-8"), Path(twin).read_text(encoding="utf-8")
        o, t = "final class " + Path(original).stem, "final class " + Path(twin).stem
        if o not in src or t not in dst:
            sys.exit(f"{original} / {twin}: no '{o}' / '{t}'")
        return twin, dst[:dst.index(t)] + rewrite(src[src.index(o):], rewrites)
    path, name = args
    text = Path(path).read_text(encoding="utf-8")
    fs, fe = between(text, f"// twin {name} float begin", f"// twin {name} float end", path)
    ds, de = between(text, f"// twin {name} double begin", f"// twin {name} double end", path)
    return path, text[:ds] + rewrite(text[fs:fe], rewrites) + text[de:]


def main():
    check = "--check" in sys.argv[1:]
    differ = []
    for kind, args, rewrites in parse(RULES.read_text(encoding="utf-8")):
        path, expected = generate(kind, args, rewrites)
        if Path(path).read_text(encoding="utf-8") != expected:
            differ.append(path)
            if not check:
                Path(path).write_text(expected, encoding="utf-8")
    for path in differ:
        print(("differs: " if check else "rewrote: ") + path)
    sys.exit(1 if check and differ else 0)


if __name__ == "__main__":
    main()
