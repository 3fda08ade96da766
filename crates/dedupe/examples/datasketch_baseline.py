#!/usr/bin/env python3
"""The speed anchor of #4 and #17: plain datasketch MinHash-LSH over the same corpus that
`cargo run --release -p newspipe-dedupe --example throughput -- clean 1 FILE` reads.

Word 2-gram shingles of the lower-cased words, 128 permutations, LSH at Jaccard 0.2, one query
per document, clusters by union-find: what a user would assemble in Python. Prints the CPU
seconds of the whole pass (tokenizing, hashing, indexing, querying, joining) and MB of text per
CPU second. datasketch is never a dependency of newspipe: `pip install datasketch` to run this.

    python3 crates/dedupe/examples/datasketch_baseline.py FILE.jsonl[.gz] [runs]
"""

import gzip
import json
import re
import sys
import time

from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+")


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def run(docs):
    lsh = MinHashLSH(threshold=0.2, num_perm=128)
    parent = list(range(len(docs)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, doc in enumerate(docs):
        words = WORD.findall(doc["text"].lower())
        shingles = {" ".join(words[j : j + 2]).encode() for j in range(max(1, len(words) - 1))}
        m = MinHash(num_perm=128)
        m.update_batch(list(shingles))
        for other in lsh.query(m):
            a, b = find(i), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
        lsh.insert(i, m)
    return len({find(i) for i in range(len(docs))})


def main():
    docs = read(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    megabytes = sum(len(d["text"].encode()) for d in docs) / 1e6
    for _ in range(runs):
        start = time.process_time()
        clusters = run(docs)
        cpu = time.process_time() - start
        print(
            f"datasketch: {len(docs)} documents, {megabytes:.1f} MB, {clusters} clusters, "
            f"{cpu:.2f} CPU s, {megabytes / cpu:.2f} MB per CPU-second"
        )


if __name__ == "__main__":
    main()
