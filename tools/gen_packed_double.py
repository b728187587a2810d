#!/usr/bin/env python3
"""Regenerates PackedDouble's body from PackedFloat's (docs/serving.md; PackedRnnTest.doubleKernelIsTheFloatKernelRetyped).

PackedDouble keeps its own header (package, imports, class comment); from "final class PackedDouble" on it is
PackedFloat's body with the word float -> double, sgemm -> dgemm and the class name swapped. Run from the repository root.
"""
import re
from pathlib import Path

DIR = Path("jrnn-core/src/main/java/dev/jrnn/infer")
src = (DIR / "PackedFloat.java").read_text(encoding="utf-8")
dst_path = DIR / "PackedDouble.java"
dst = dst_path.read_text(encoding="utf-8")
body = src[src.index("final class PackedFloat"):]
body = re.sub(r"\bfloat\b", "double", body).replace("sgemm", "dgemm").replace("PackedFloat", "PackedDouble")
dst_path.write_text(dst[:dst.index("final class PackedDouble")] + body, encoding="utf-8")
