"""The artifact set on one HTML page: the Markdown documents converted by a small converter
for the subset they use (headings, tables, fenced code, lists, details, inline code, bold)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}
th{background:#f3f3f3}pre{background:#f6f8fa;padding:.7em;overflow-x:auto}code{font-size:90%}
nav a{margin-right:1em}h1{border-bottom:2px solid #333;margin-top:2em}
"""


def _inline(text: str) -> str:
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        else:
            escaped = html.escape(part).replace("\\|", "|")
            out.append(re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped))
    return "".join(out)


def _row(line: str, tag: str) -> str:
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return "<tr>" + "".join(f"<{tag}>{_inline(c.strip())}</{tag}>" for c in cells) + "</tr>"


class _Converter:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.mode = ""  # "", "code", "table", "ul", "ol"

    def close(self) -> None:
        ends = {"table": "</table>", "ul": "</ul>", "ol": "</ol>"}
        if self.mode in ends:
            self.out.append(ends[self.mode])
        self.mode = ""

    def line(self, line: str) -> None:
        if self.mode == "code":
            if line.startswith("```"):
                self.out.append("</code></pre>")
                self.mode = ""
            else:
                self.out.append(html.escape(line))
            return
        if line.startswith("```"):
            self.close()
            self.out.append("<pre><code>")
            self.mode = "code"
        elif line.startswith("|"):
            self._table(line)
        else:
            self._block(line)

    def _table(self, line: str) -> None:
        if self.mode != "table":
            self.close()
            self.out.append("<table>" + _row(line, "th"))
            self.mode = "table"
        elif not re.fullmatch(r"\|[\s\-:|]+\|", line.strip()):
            self.out.append(_row(line, "td"))

    def _block(self, line: str) -> None:
        heading = re.match(r"(#{1,4}) (.*)", line)
        item = re.match(r"(- |\d+\. )(.*)", line)
        if item:
            kind = "ul" if item.group(1) == "- " else "ol"
            if self.mode != kind:
                self.close()
                self.out.append(f"<{kind}>")
                self.mode = kind
            self.out.append(f"<li>{_inline(item.group(2))}</li>")
            return
        self.close()
        if heading:
            level = len(heading.group(1))
            self.out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif line.startswith(("<details", "</details")):
            self.out.append(line.replace("<summary>", "<summary>"))
        elif line.strip():
            self.out.append(f"<p>{_inline(line)}</p>")


def markdown_to_html(markdown: str) -> str:
    converter = _Converter()
    for line in markdown.splitlines():
        converter.line(line)
    converter.close()
    return "\n".join(converter.out)


def _anchor(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


def page(files: Sequence[tuple[str, str]]) -> str:
    nav = " ".join(f'<a href="#{_anchor(p)}">{html.escape(p)}</a>' for p, _ in files)
    body = []
    for path, text in files:
        body.append(f'<section id="{_anchor(path)}"><p><code>{html.escape(path)}</code></p>')
        if path.endswith(".sql"):
            body.append(f"<h1>{html.escape(path)}</h1><pre><code>{html.escape(text)}</code></pre>")
        else:
            body.append(markdown_to_html(text))
        body.append("</section>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>pgsage report</title><style>{STYLE}</style></head><body>"
        f"<nav>{nav}</nav>\n" + "\n".join(body) + "\n</body></html>\n"
    )
