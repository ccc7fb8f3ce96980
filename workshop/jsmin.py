"""A small, safe JavaScript minifier: comments, blank lines, indentation and runs of spaces go; nothing else.

It scans strings, template literals (with `${...}` nested to any depth) and regular expression literals, and
leaves them byte for byte: whitespace inside them is data. Line breaks are kept, so automatic semicolon
insertion reads the code as before, except where no statement can end: after `(`, `[`, `{`, `,` and `;`, and
before `}` (where a semicolon is inserted whatever the line). Spaces go after `(`, `[`, `{`, `,`, `;` and
before `)`, `]`, `}`, `,`, `;`: no two tokens run together there. (rjsmin, tried first, squeezed the space out
of a nested template literal: `${a ? ` ${b}` : ''}` lost its blank.) Brotli does the rest.
"""

from __future__ import annotations

# Punctuation after which neither a space nor a line break is ever needed, and before which no space is.
_OPENERS = frozenset("([{,;")
_CLOSERS = frozenset(")]},;")
# After one of these (or at the start), a `/` begins a regular expression literal, not a division.
_BEFORE_REGEX = set("(,=:[!&|?{};+-*%<>~^")
_KEYWORDS_BEFORE_REGEX = {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw",
                          "yield", "await", "instanceof"}


def _regex_may_start(code: list[str]) -> bool:
    """Whether a `/` here starts a regular expression, from the code written so far."""
    text = "".join(code[-16:]).rstrip()
    if not text:
        return True
    if text[-1] in _BEFORE_REGEX:
        return True
    word = ""
    for char in reversed(text):
        if not (char.isalnum() or char in "_$"):
            break
        word = char + word
    return word in _KEYWORDS_BEFORE_REGEX


def minify(source: str) -> str:
    """The script without comments, blank lines, indentation and repeated spaces; its meaning unchanged."""
    out: list[str] = []
    templates: list[int] = []  # for each `${` we are inside: the brace depth at which its template resumes
    depth = 0
    i, n = 0, len(source)

    def space() -> None:
        # One space between tokens; none at the start of a line, after another, or after an opener.
        if out and out[-1] not in (" ", "\n") and out[-1] not in _OPENERS:
            out.append(" ")

    def newline() -> None:
        while out and out[-1] == " ":
            out.pop()
        if out and out[-1] != "\n" and out[-1] not in _OPENERS:
            out.append("\n")

    def closer(char: str) -> None:
        # No space before it; before `}` no line break either (a semicolon is inserted there anyway).
        while out and (out[-1] == " " or (char == "}" and out[-1] == "\n")):
            out.pop()
        out.append(char)

    def template(start: int) -> int:
        """Copy a template literal from just after its backtick (or a `}` that ends a `${`); returns where the
        code resumes: after the closing backtick, or after a `${` (then the caller scans code)."""
        nonlocal depth
        j = start
        while j < n:
            char = source[j]
            if char == "\\":
                out.append(source[j:j + 2])
                j += 2
                continue
            if char == "`":
                out.append(char)
                return j + 1
            if char == "$" and source[j + 1:j + 2] == "{":
                out.append("${")
                templates.append(depth)
                depth += 1
                return j + 2
            out.append(char)
            j += 1
        return j

    while i < n:
        char = source[i]
        ahead = source[i + 1:i + 2]
        if char in " \t\r\f\v":
            space()
            i += 1
        elif char == "\n":
            newline()
            i += 1
        elif char == "/" and ahead == "/":
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif char == "/" and ahead == "*":
            end = source.find("*/", i + 2)
            comment = source[i:n if end < 0 else end + 2]
            i = n if end < 0 else end + 2
            if "\n" in comment:
                newline()
            else:
                space()
        elif char in "'\"":
            j = i + 1
            while j < n and source[j] != char:
                j += 2 if source[j] == "\\" else 1
            out.append(source[i:j + 1])
            i = j + 1
        elif char == "`":
            out.append(char)
            i = template(i + 1)
        elif char == "/" and _regex_may_start(out):
            j, in_class = i + 1, False
            while j < n and (in_class or source[j] != "/") and source[j] != "\n":
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                j += 1
            out.append(source[i:j + 1])
            i = j + 1
        elif char == "{":
            depth += 1
            out.append(char)
            i += 1
        elif char == "}":
            depth -= 1
            closer(char)
            if templates and templates[-1] == depth:
                templates.pop()
                i = template(i + 1)
            else:
                i += 1
        elif char in _CLOSERS:
            closer(char)
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out).strip() + "\n"
