// The reference the benchmark measures us against: what a team would write
// on Node's socket.io for the same contract (`POST /api/login`, then
// `join` and `send_message` with acks, `message` and `presence` to the
// room). Messages live in memory only: nothing is stored, so its figures
// are an upper bound for Node plus a database.
//
// PORT (default 0) chooses the port; the first line on stdout is
// `listening <port>`.
import { createServer } from "node:http";
import { Server } from "socket.io";

const rooms = new Map(); // room -> { lastId, members: Map<username, sockets> }

function room(name) {
  let entry = rooms.get(name);
  if (!entry) {
    entry = { lastId: 0, members: new Map() };
    rooms.set(name, entry);
  }
  return entry;
}

const http = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"status":"ok"}');
    return;
  }
  if (req.method === "POST" && req.url === "/api/login") {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      let login;
      try {
        login = JSON.parse(body);
      } catch {
        res.writeHead(400).end();
        return;
      }
      // The token is the name: no signing, which only flatters Node.
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ token: login.username, username: login.username, room: login.room }));
    });
    return;
  }
  res.writeHead(404).end();
});

const io = new Server(http, { serveClient: false });

io.use((socket, next) => {
  const token = socket.handshake.auth?.token;
  if (typeof token !== "string" || token === "") return next(new Error("unauthorized"));
  socket.data.username = token;
  next();
});

io.on("connection", (socket) => {
  const username = socket.data.username;

  socket.on("join", (payload, ack) => {
    const name = payload?.room;
    if (typeof name !== "string") return ack?.({ ok: false, error: { code: "invalid" } });
    const entry = room(name);
    const tabs = entry.members.get(username) ?? 0;
    entry.members.set(username, tabs + 1);
    socket.join(name);
    const online = [...entry.members.keys()];
    if (tabs === 0) socket.to(name).emit("presence", { room: name, online, joined: username });
    ack?.({ ok: true, room: name, messages: [], recovered: false, online });
  });

  socket.on("send_message", (payload, ack) => {
    const name = payload?.room;
    if (!socket.rooms.has(name)) return ack?.({ ok: false, error: { code: "not_joined" } });
    const entry = room(name);
    const message = {
      id: ++entry.lastId,
      room: name,
      username,
      content: payload.content,
      image: null,
      content_type: "text",
      client_id: payload.client_id ?? null,
      timestamp: new Date().toISOString(),
    };
    socket.to(name).emit("message", message);
    ack?.({ ok: true, message });
  });

  socket.on("disconnecting", () => {
    for (const name of socket.rooms) {
      const entry = rooms.get(name);
      if (!entry) continue;
      const tabs = (entry.members.get(username) ?? 1) - 1;
      if (tabs > 0) {
        entry.members.set(username, tabs);
      } else {
        entry.members.delete(username);
        io.to(name).emit("presence", { room: name, online: [...entry.members.keys()], left: username });
      }
    }
  });
});

http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`listening ${http.address().port}`);
});
