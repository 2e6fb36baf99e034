#!/usr/bin/env python3
"""A small Splunk HEC-protocol receiver for tests (not Splunk itself).

POST /services/collector/event with "Authorization: Splunk TOKEN" and a body
of concatenated {"time":..,"event":{..},...} objects. Each event is appended
to OUTFILE as one JSON line, and the answer is Splunk's success shape
{"text":"Success","code":0,"ackId":N}. A wrong token gets 403 with code 3,
a malformed body 400 with code 6 or 12, as Splunk answers them.

Usage: hec_receiver.py PORT TOKEN OUTFILE
"""
import http.server
import json
import sys

PORT, TOKEN, OUTFILE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ack = 0


def parse_events(body):
    dec, i, out = json.JSONDecoder(), 0, []
    text = body.decode("utf-8")
    while i < len(text):
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            break
        obj, i = dec.raw_decode(text, i)
        out.append(obj)
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        global ack
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/services/collector/event":
            return self.answer(404, {"text": "Not found", "code": 404})
        if self.headers.get("Authorization") != "Splunk " + TOKEN:
            return self.answer(403, {"text": "Invalid authorization", "code": 3})
        try:
            events = parse_events(body)
        except ValueError:
            return self.answer(400, {"text": "Invalid data format", "code": 6})
        if not events or any(not isinstance(e.get("event"), dict) or
                             not isinstance(e.get("time"), (int, float)) for e in events):
            return self.answer(400, {"text": "Event field is required", "code": 12})
        with open(OUTFILE, "a") as f:
            for e in events:
                f.write(json.dumps(e["event"]) + "\n")
        ack += 1
        self.answer(200, {"text": "Success", "code": 0, "ackId": ack})

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
