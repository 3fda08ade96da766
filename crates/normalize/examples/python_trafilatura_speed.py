#!/usr/bin/env python3
"""Speed of Python trafilatura on the WCXB dev pages, one thread, in CPU time (user + sys):
the anchor of normalize's speed bar ("at least 3x Python trafilatura"). Not part of the product.

Setup (a throwaway venv; trafilatura is never a dependency of newspipe):

    python3 -m venv /tmp/venv-traf
    /tmp/venv-traf/bin/pip install trafilatura==2.3.1 lxml_html_clean

Run from the workspace root:

    /tmp/venv-traf/bin/python crates/normalize/examples/python_trafilatura_speed.py [--ids FILE] [--out FILE]

Every page is given to `trafilatura.extract` with its URL and the default settings, one at a
time; only those calls are timed (reading the pages is not). `--ids FILE` keeps the pages whose
`id` appears in a JSON Lines file: the declared news pages, as newspipe defines them, are written by

    cargo run --release -p newspipe-normalize --example normalize_bench html-news 1 /tmp/news.jsonl

`--out FILE` writes `{id, text}` JSON Lines for `shared/tools/score_extraction.py`. The pages
are read from `$NEWSPIPE_DEVDATA/wcxb-dev-articles.jsonl.gz`, else `../shared/devdata/` beside
the workspace, as the Rust examples read them.
"""

import argparse
import gzip
import json
import os
import time
from pathlib import Path

import trafilatura


def devdata_file() -> Path:
    folder = os.environ.get("NEWSPIPE_DEVDATA")
    if folder is None:
        workspace = Path(__file__).resolve().parents[3]
        folder = workspace.parent / "shared" / "devdata"
    return Path(folder) / "wcxb-dev-articles.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ids", help="JSON Lines file whose records' ids select the pages")
    parser.add_argument("--out", help="write {id, text} JSON Lines here")
    args = parser.parse_args()

    keep = None
    if args.ids:
        with open(args.ids, encoding="utf-8") as f:
            keep = {json.loads(line)["id"] for line in f if line.strip()}
    with gzip.open(devdata_file(), "rt", encoding="utf-8") as f:
        pages = [json.loads(line) for line in f if line.strip()]
    if keep is not None:
        pages = [p for p in pages if p["id"] in keep]

    outputs = []
    start = time.process_time()
    for page in pages:
        outputs.append(trafilatura.extract(page["html"], url=page.get("url")) or "")
    secs = time.process_time() - start

    megabytes = sum(len(p["html"].encode("utf-8")) for p in pages) / 1e6
    print(
        f"python trafilatura {trafilatura.__version__}: {len(pages)} pages, {megabytes:.1f} MB "
        f"in {secs:.2f} s CPU: {len(pages) / secs:.1f} pages/s, {megabytes / secs:.2f} MB/s"
    )
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            for page, text in zip(pages, outputs):
                f.write(json.dumps({"id": page["id"], "text": text}) + "\n")


if __name__ == "__main__":
    main()
