#!/usr/bin/env python3
"""The observe tests' HTTP/1.1 server: obs_http_server.py ADDR RULE...

Listens on ADDR:8080. Each RULE is PREFIX=CODE[:DELAY_MS]; the first rule
whose PREFIX starts the request path answers CODE (after DELAY_MS), no rule
answers 200. Bodies are "ok". A response is one write, so a keep-alive
client never waits on a delayed ACK between the header and the body.
"""
import http.server
import sys
import time

RULES = []
for rule in sys.argv[2:]:
    prefix, _, rest = rule.partition("=")
    code, _, delay = rest.partition(":")
    RULES.append((prefix, int(code), int(delay or 0) / 1000))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        code, delay = 200, 0
        for prefix, rule_code, rule_delay in RULES:
            if self.path.startswith(prefix):
                code, delay = rule_code, rule_delay
                break
        if delay:
            time.sleep(delay)
        self.wfile.write(b"HTTP/1.1 %d X\r\nContent-Length: 2\r\n\r\nok" % code)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer((sys.argv[1], 8080), Handler).serve_forever()
