"""The official Python Socket.IO client (python-socketio) against a running
server: `python official_python.py <base url> <room>`. One client on
WebSocket, one on long-polling. Exits non-zero, saying why, if anything
differs from the contract."""

import json
import re
import sys
import threading

import requests
import socketio

BASE, ROOM = sys.argv[1], sys.argv[2]
WAIT = 10


def login(username):
    response = requests.post(f"{BASE}/api/login", json={"username": username, "room": ROOM}, timeout=WAIT)
    assert response.status_code == 200, f"login of {username}: {response.status_code}"
    return response.json()["token"]


class Peer:
    """A connected client that remembers the messages it was sent."""

    def __init__(self, token, transport):
        self.client = socketio.Client(reconnection=False)
        self.messages = []
        self.arrived = threading.Event()

        @self.client.on("message")
        def on_message(message):
            self.messages.append(message)
            self.arrived.set()

        self.client.connect(BASE, auth={"token": token}, transports=[transport], wait_timeout=WAIT)

    def call(self, event, payload):
        return self.client.call(event, payload, timeout=WAIT)

    def close(self):
        self.client.disconnect()


alice_token, bob_token = login("Alice"), login("Bob")
alice = Peer(alice_token, "websocket")
bob = Peer(bob_token, "polling")
for peer in (alice, bob):
    joined = peer.call("join", {"room": ROOM})
    assert joined["ok"] is True and joined["room"] == ROOM, joined

# A send is stored, acknowledged with the message, and delivered to Bob.
sent = alice.call("send_message", {"room": ROOM, "content": "hello from python", "client_id": "py-1"})
assert sent["ok"] is True, sent
message = sent["message"]
assert message["username"] == "Alice" and message["content"] == "hello from python", message
assert message["client_id"] == "py-1" and message["content_type"] == "text", message
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", message["timestamp"]), message
assert bob.arrived.wait(WAIT), "Bob got no message event"
assert bob.messages == [message], bob.messages

# A retry with the same client_id returns the stored message.
assert alice.call("send_message", {"room": ROOM, "content": "hello from python", "client_id": "py-1"}) == sent

# Bob misses three messages, then catches up with exactly those.
bob.close()
missed = []
for i in range(3):
    ack = alice.call("send_message", {"room": ROOM, "content": f"missed {i}", "client_id": f"py-m{i}"})
    assert ack["ok"] is True, ack
    missed.append(ack["message"]["id"])
bob = Peer(bob_token, "polling")
caught_up = bob.call("join", {"room": ROOM, "since": message["id"]})
assert caught_up["recovered"] is True, caught_up
assert [m["id"] for m in caught_up["messages"]] == missed, caught_up
assert caught_up["online"] == ["Alice", "Bob"], caught_up

# Bad payloads are refused with a code, and the connection stays up.
refused = alice.call("send_message", {"room": ROOM, "content": 42})
assert refused["ok"] is False and refused["error"]["code"] == "invalid", refused
not_joined = alice.call("send_message", {"room": "elsewhere", "content": "hi"})
assert not_joined["error"]["code"] == "not_joined", not_joined
assert alice.call("typing", {"room": ROOM, "typing": False}) == {"ok": True}

alice.close()
bob.close()
print(json.dumps({"ok": True, "stored": [message["id"], *missed]}))
