#!/usr/bin/env python3
"""A minimal OTLP/HTTP trace receiver for the benchmark: accepts POST /v1/traces
(application/x-protobuf, optionally gzip), answers 200 with an empty ExportTraceServiceResponse,
and counts requests, bytes and spans. GET /stats returns the counts as JSON; POST /reset zeroes
them. Standard library only: the spans are counted by walking the protobuf wire format
(ExportTraceServiceRequest.resource_spans=1 -> ResourceSpans.scope_spans=2 -> ScopeSpans.spans=2),
nothing else is decoded.

Usage: otlp_sink.py PORT   (listens on 127.0.0.1 only)
"""

import gzip
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _varint(buf, pos):
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(buf):
    """Yields (field number, wire type, value) of one protobuf message; value is bytes for
    length-delimited fields and an int otherwise."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, wire, value


def _count_spans_in_scope(buf):
    """Spans in one ScopeSpans: its field-2 entries. This runs once per span, so it is a flat
    loop rather than `_fields`: the receiver's CPU is counted against "telemetry on" in the
    results, and should be what a receiver costs, not what a slow one does."""
    spans, pos, end = 0, 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        wire = key & 7
        if wire == 2:
            length = buf[pos]
            pos += 1
            if length & 0x80:
                length, pos = _varint(buf, pos - 1)
            pos += length
            spans += key == 0x12
        elif wire == 0:
            _, pos = _varint(buf, pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
    return spans


def count_spans(body):
    """Spans in an ExportTraceServiceRequest (walked on a memoryview: slicing copies nothing)."""
    spans = 0
    for number, wire, resource_spans in _fields(memoryview(body)):
        if number != 1 or wire != 2:
            continue
        for number, wire, scope_spans in _fields(resource_spans):
            if number == 2 and wire == 2:
                spans += _count_spans_in_scope(scope_spans)
    return spans


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.requests = self.bytes = self.spans = self.bad = 0

    def snapshot(self):
        return {"requests": self.requests, "bytes": self.bytes, "spans": self.spans,
                "undecodable": self.bad}


STATS = Stats()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _reply(self, status, body=b"", content_type="application/x-protobuf"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path == "/reset":
            with STATS.lock:
                STATS.reset()
            return self._reply(200, b"{}", "application/json")
        if self.path != "/v1/traces":
            return self._reply(404)
        raw = len(body)
        try:
            if self.headers.get("Content-Encoding", "").lower() == "gzip":
                body = gzip.decompress(body)
            spans, bad = count_spans(body), 0
        except (ValueError, IndexError, OSError):
            spans, bad = 0, 1
        with STATS.lock:
            STATS.requests += 1
            STATS.bytes += raw
            STATS.spans += spans
            STATS.bad += bad
        # An empty ExportTraceServiceResponse is a zero-length protobuf message.
        self._reply(200)

    def do_GET(self):
        if self.path != "/stats":
            return self._reply(404)
        with STATS.lock:
            snapshot = STATS.snapshot()
        self._reply(200, json.dumps(snapshot).encode(), "application/json")

    def log_message(self, *args):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 4318
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"otlp sink listening on 127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
