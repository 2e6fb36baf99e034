#!/usr/bin/env python3
"""Small JSON-lines assertions for shell tests.

  jsonq.py find FILE EXPR      print the first line (as JSON) for which the
                               Python expression EXPR is true; e is the event;
                               exit 1 if none
  jsonq.py count FILE EXPR     print how many lines match
  jsonq.py valid FILE          every line parses (exit 1 with the bad line)
"""
import json
import sys


def events(path):
    with open(path, encoding="utf-8", errors="strict") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if line:
                yield n, line, json.loads(line)


def get(d, *path, default=None):
    for p in path:
        if isinstance(d, dict) and p in d:
            d = d[p]
        elif isinstance(d, list) and isinstance(p, int) and -len(d) <= p < len(d):
            d = d[p]
        else:
            return default
    return d


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "valid":
        try:
            n = sum(1 for _ in events(path))
        except (ValueError, UnicodeDecodeError) as err:
            print(f"invalid JSON line: {err}")
            return 1
        print(n)
        return 0
    expr = compile(sys.argv[3], "<expr>", "eval")
    hits = 0
    for _, line, e in events(path):
        try:
            ok = eval(expr, {"get": get}, {"e": e})
        except Exception:  # a shape that does not fit the expression
            ok = False
        if ok:
            hits += 1
            if cmd == "find":
                print(line)
                return 0
    if cmd == "count":
        print(hits)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
