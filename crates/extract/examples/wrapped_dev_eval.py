#!/usr/bin/env python3
"""Scores extract on hard-wrapped copies of the dev splits, the way wire archives hold text.

Each dev text is wrapped at a column, paragraph by paragraph, by turning spaces into newlines:
the characters and their offsets stay, so the gold spans hold and `dev_eval.py`'s own scoring
applies. CoNLL-2003 documents keep their headline and dateline lines and have the rest of the
body joined and wrapped; PolNeAR articles have each paragraph wrapped.

    python3 crates/extract/examples/wrapped_dev_eval.py [--bin PATH] [--width 65] [--split dev|train]

`--split train` scores PolNeAR train (CoNLL-2003 stays on its dev split). Needs
`../shared/devdata` and `../shared/tools/dev_eval.py` beside the project, and a release build.
"""

import argparse
import os
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "tools"))
import dev_eval  # noqa: E402


def wrap_paragraph(paragraph, width):
    """One paragraph wrapped greedily at `width` characters, spaces turned into newlines."""
    words = paragraph.split(" ")
    parts, column = [words[0]], len(words[0])
    for word in words[1:]:
        if column > 0 and column + 1 + len(word) > width:
            parts.append("\n")
            column = len(word)
        else:
            parts.append(" ")
            column += 1 + len(word)
        parts.append(word)
    return "".join(parts)


def wrap_article(text, width):
    """Each line of `text` (a paragraph) wrapped at `width`."""
    wrapped = "\n".join(wrap_paragraph(p, width) for p in text.split("\n"))
    assert len(wrapped) == len(text)
    return wrapped


def wrap_conll(text, width):
    """A CoNLL document (a sentence a line): headline and dateline kept, the body wrapped."""
    lines = text.split("\n")
    if len(lines) <= 2:
        return text
    body = wrap_paragraph(" ".join(lines[2:]), width)
    wrapped = "\n".join(lines[:2] + [body])
    assert len(wrapped) == len(text)
    return wrapped


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "newspipe"))
    parser.add_argument("--width", type=int, default=65)
    parser.add_argument("--split", choices=["dev", "train"], default="dev")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()

    read_conll, read_jsonl = dev_eval.conll_docs, dev_eval.read_jsonl

    def wrapped_conll(path):
        return [dict(d, text=wrap_conll(d["text"], args.width)) for d in read_conll(path)]

    def wrapped_jsonl(path):
        if path.endswith(os.path.join("polnear", "dev.jsonl")):
            path = path.replace("dev.jsonl", args.split + ".jsonl")
            return [dict(d, text=wrap_article(d["text"], args.width)) for d in read_jsonl(path)]
        return read_jsonl(path)

    dev_eval.conll_docs, dev_eval.read_jsonl = wrapped_conll, wrapped_jsonl
    with tempfile.TemporaryDirectory() as work:
        print(f"wrapped at {args.width} columns:")
        dev_eval.cmd_ner(args, work)
        if args.split == "train":
            print("(PolNeAR train)")
        dev_eval.cmd_quotes(args, work)


if __name__ == "__main__":
    main()
