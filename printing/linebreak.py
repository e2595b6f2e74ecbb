"""Greedy line breaking shared by the raster receipt (widths in dots of a font) and the Big5 text
receipt (widths in printer columns): the rules are the same, only the measure differs.

CJK breaks between any two characters, never before closing or after opening punctuation (避頭尾點);
an ASCII word stays whole when it fits, and is broken by character when it is wider than the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

TOKEN = re.compile(r"[!-~]+|\s+|.")
WORDS = re.compile(r"\S+|\s+")
NO_LINE_START = set("，。、；：？！）」』】》〉,.;:?!)]%")
NO_LINE_END = set("（「『【《〈([")
# A numbered or starred note ("1. ", "＊") hangs: its wrapped lines start under its text.
HANGING = re.compile(r"^(\d+\.\s*|[＊*・‧]\s*)")


def break_lines(tokens: Iterable[str], width: float, measure: Callable[[str], float]) -> list[str]:
    """``tokens`` (from ``TOKEN`` or ``WORDS``) in lines at most ``width`` wide by ``measure``."""
    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    for token in tokens:
        w = measure(token)
        if used + w <= width or not line:
            if w > width:  # wider than the whole line: break it by character
                for ch in token:
                    cw = measure(ch)
                    if used + cw > width and line:
                        lines.append("".join(line).rstrip())
                        line, used = [], 0.0
                    line.append(ch)
                    used += cw
                continue
            line.append(token)
            used += w
            continue
        carry: list[str] = []
        head = token
        while len(line) > 1 and (head in NO_LINE_START or line[-1] in NO_LINE_END):
            head = line.pop()
            carry.insert(0, head)
        lines.append("".join(line).rstrip())
        line = [*carry, token] if carry or not token.isspace() else []
        used = sum(measure(t) for t in line)
    if line:
        lines.append("".join(line).rstrip())
    return lines
