#!/usr/bin/env python3
"""An agentbus worker in plain Python (standard library only), over the TCP event-bus bridge.

Every frame is a 4-byte big-endian length, then that many bytes of UTF-8 JSON:
  client -> bridge: {"type": "register"|"unregister"|"send"|"publish"|"ping", "address", "headers", "body", "replyAddress"?}
  bridge -> client: {"type": "message"|"err"|"pong", ...}
Every frame the worker sends carries headers.authorization = "Bearer <API key>".

It registers the given worker addresses (agentbus.ext.<tenant>.<name>), then pings: frames are
handled in order, so the pong means the registrations are in effect; it prints READY (or REFUSED
<err frame> and exits 2 when the bridge refused something). For each request it receives (a command
of a bus handler: {command_id, command_type, parameters, ...}; a tool call: {tool, call_id,
arguments, ...}) it replies {"upper": <text upper-cased>, "by": "python"} to the message's
replyAddress, unless --hold, when it only prints GOT <id> and never answers.

  python3 bridge_worker.py --port 7000 --key abk_... --address agentbus.ext.default.upper [--hold]
"""
import argparse
import json
import select
import socket
import struct
import sys
import time


def send(sock, frame):
    data = json.dumps(frame).encode("utf-8")
    sock.sendall(struct.pack(">I", len(data)) + data)


def frames(sock, buffer):
    """Reads what is there; returns (complete frames, rest). Raises EOFError when the bridge closed."""
    chunk = sock.recv(65536)
    if not chunk:
        raise EOFError()
    buffer += chunk
    out = []
    while len(buffer) >= 4:
        (length,) = struct.unpack(">I", buffer[:4])
        if len(buffer) < 4 + length:
            break
        out.append(json.loads(buffer[4:4 + length].decode("utf-8")))
        buffer = buffer[4 + length:]
    return out, buffer


def answer(body):
    """The result of one request: a command's parameters.text or a tool call's arguments.text, upper-cased."""
    given = body.get("parameters") if "parameters" in body else body.get("arguments", {})
    return {"upper": str((given or {}).get("text", "")).upper(), "by": "python"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", default="")
    parser.add_argument("--address", action="append", required=True)
    parser.add_argument("--hold", action="store_true", help="receive requests but never answer them")
    parser.add_argument("--ping-s", type=float, default=5.0)
    args = parser.parse_args()
    headers = {"authorization": "Bearer " + args.key} if args.key else {}

    sock = socket.create_connection((args.host, args.port), timeout=10)
    sock.settimeout(None)
    for address in args.address:
        send(sock, {"type": "register", "address": address, "headers": headers})
    send(sock, {"type": "ping", "headers": headers})

    buffer = b""
    ready = False
    refused = []
    last_ping = time.monotonic()
    while True:
        readable, _, _ = select.select([sock], [], [], args.ping_s)
        if time.monotonic() - last_ping >= args.ping_s:
            send(sock, {"type": "ping", "headers": headers})  # keeps the connection within the idle timeout
            last_ping = time.monotonic()
        if not readable:
            continue
        try:
            received, buffer = frames(sock, buffer)
        except EOFError:
            print("CLOSED", flush=True)
            return 0 if ready else 3
        for frame in received:
            kind = frame.get("type")
            if kind == "err":
                if not ready:
                    refused.append(frame)
                    if len(refused) == len(args.address) + 1:  # every frame refused, the ping too: no pong will come
                        print("REFUSED " + json.dumps(refused[0]), flush=True)
                        return 2
                else:
                    print("ERR " + json.dumps(frame), flush=True)
            elif kind == "pong" and not ready:
                if refused:
                    print("REFUSED " + json.dumps(refused[0]), flush=True)
                    return 2
                ready = True
                print("READY", flush=True)
            elif kind == "message" and frame.get("replyAddress"):
                body = frame.get("body") or {}
                print("GOT " + str(body.get("command_id") or body.get("call_id")), flush=True)
                if not args.hold:
                    send(sock, {"type": "send", "address": frame["replyAddress"], "headers": headers,
                                "body": answer(body)})


if __name__ == "__main__":
    sys.exit(main())
