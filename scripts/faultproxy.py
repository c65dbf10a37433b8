#!/usr/bin/env python3
"""A TCP fault proxy on loopback for drills: each node's postgres URL points at its own route, and
a route can be blackholed — nothing forwarded in either direction, no new upstream connections,
and every socket left open (no FIN, no RST), as a network partition looks to both ends.

    scripts/faultproxy.py serve --upstream 127.0.0.1:5432 --route s.sched-1=0 --route s.sched-2=0 \\
        --control 0 [--ports-file FILE]
    scripts/faultproxy.py ctl --control PORT blackhole s.sched-1 | heal s.sched-1 | heal-all | status
    scripts/faultproxy.py --self-test

Ports given as 0 are picked free; --ports-file gets "name port" lines (and "control port").
While blackholed, bytes either side sends wait in the proxy. On heal, a connection whose upstream
is still open resumes (the held bytes go through, as retransmissions would); one whose upstream
closed meanwhile (e.g. Postgres ended the session on idle_session_timeout) is closed, as the RST
the client would get after a real partition heals.

Note: the proxy's own kernel ACKs both sides, so TCP keepalives and tcp_user_timeout do not see
this partition; Postgres drops a cut-off lock session through idle_session_timeout, and the node
itself through its heartbeat timeout (DESIGN §6). A network-namespace drill would test the TCP
timers too.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import unittest

CHUNK = 65536


class Route:
    def __init__(self, name: str, listen_port: int) -> None:
        self.name = name
        self.listen_port = listen_port
        self.open = asyncio.Event()
        self.open.set()
        self.connections = 0
        self.active = 0
        self.bytes = 0

    @property
    def blackholed(self) -> bool:
        return not self.open.is_set()


class FaultProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.routes: dict[str, Route] = {}
        self.servers: list[asyncio.base_events.Server] = []
        self.control_port = 0

    async def add_route(self, name: str, port: int, host: str = "127.0.0.1") -> Route:
        route = Route(name, port)
        server = await asyncio.start_server(lambda r, w: self.handle(route, r, w), host, port)
        route.listen_port = server.sockets[0].getsockname()[1]
        self.routes[name] = route
        self.servers.append(server)
        return route

    async def start_control(self, port: int, host: str = "127.0.0.1") -> int:
        server = await asyncio.start_server(self.control, host, port)
        self.servers.append(server)
        self.control_port = server.sockets[0].getsockname()[1]
        return self.control_port

    async def handle(self, route: Route, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        route.connections += 1
        route.active += 1
        try:
            await route.open.wait()  # connecting upstream is traffic too
            try:
                up_r, up_w = await asyncio.open_connection(*self.upstream)
            except OSError:
                client_w.close()
                return
            up_closed = asyncio.Event()
            client_closed = asyncio.Event()
            await asyncio.gather(
                self.pump(route, client_r, up_w, client_closed, up_closed),
                self.pump(route, up_r, client_w, up_closed, client_closed),
            )
        except asyncio.CancelledError:
            client_w.close()  # proxy shutting down
        finally:
            route.active -= 1

    async def pump(self, route: Route, src: asyncio.StreamReader, dst: asyncio.StreamWriter,
                   src_closed: asyncio.Event, dst_closed: asyncio.Event) -> None:
        try:
            while True:
                try:
                    data = await src.read(CHUNK)
                except (ConnectionError, OSError):
                    data = b""
                await route.open.wait()  # hold everything, EOF included, while blackholed
                if not data:
                    src_closed.set()
                    break
                if dst_closed.is_set():
                    break
                dst.write(data)
                route.bytes += len(data)
                try:
                    await dst.drain()
                except (ConnectionError, OSError):
                    break
        finally:
            try:
                dst.close()
            except Exception:
                pass

    def set(self, name: str, blackhole: bool) -> None:
        route = self.routes[name]
        if blackhole:
            route.open.clear()
        else:
            route.open.set()

    def status(self) -> dict:
        return {n: {"port": r.listen_port, "blackholed": r.blackholed, "connections": r.connections,
                    "active": r.active, "bytes": r.bytes} for n, r in self.routes.items()}

    async def control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                words = line.decode(errors="replace").split()
                reply: dict
                if not words:
                    continue
                cmd, args = words[0], words[1:]
                if cmd in ("blackhole", "heal") and len(args) == 1 and args[0] in self.routes:
                    self.set(args[0], cmd == "blackhole")
                    reply = {"ok": True, cmd: args[0]}
                elif cmd == "heal-all":
                    for n in self.routes:
                        self.set(n, False)
                    reply = {"ok": True}
                elif cmd == "status":
                    reply = {"ok": True, "routes": self.status()}
                else:
                    reply = {"ok": False, "error": f"expected 'blackhole NAME', 'heal NAME', 'heal-all' or 'status' "
                                                   f"with NAME in {sorted(self.routes)}"}
                writer.write((json.dumps(reply) + "\n").encode())
                await writer.drain()
        finally:
            writer.close()


def host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return (host or "127.0.0.1", int(port))


async def serve(a: argparse.Namespace) -> None:
    proxy = FaultProxy(host_port(a.upstream))
    for spec in a.route:
        name, _, port = spec.partition("=")
        await proxy.add_route(name, int(port or 0), a.listen)
    await proxy.start_control(a.control)
    lines = [f"{n} {r.listen_port}" for n, r in proxy.routes.items()] + [f"control {proxy.control_port}"]
    if a.ports_file:
        with open(a.ports_file + ".tmp", "w") as f:
            f.write("\n".join(lines) + "\n")
        import os
        os.replace(a.ports_file + ".tmp", a.ports_file)
    print("\n".join(lines), flush=True)
    await asyncio.Event().wait()


def ctl(a: argparse.Namespace) -> int:
    with socket.create_connection(("127.0.0.1", a.control), timeout=5) as s:
        s.sendall((" ".join(a.words) + "\n").encode())
        reply = s.makefile().readline()
    print(reply.strip())
    return 0 if json.loads(reply or "{}").get("ok") else 1


# ---------------------------------------------------------------- self-test

class SelfTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.upstream_closed = asyncio.Event()

        async def echo(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            try:
                while data := await r.read(CHUNK):
                    w.write(data)
                    await w.drain()
            except (asyncio.CancelledError, ConnectionError):
                return  # torn down with the test's loop
            w.close()
            self.upstream_closed.set()

        self.echo = await asyncio.start_server(echo, "127.0.0.1", 0)
        self.proxy = FaultProxy(("127.0.0.1", self.echo.sockets[0].getsockname()[1]))
        self.a = await self.proxy.add_route("a", 0)
        self.b = await self.proxy.add_route("b", 0)
        await self.proxy.start_control(0)

    async def asyncTearDown(self) -> None:
        for s in self.proxy.servers + [self.echo]:
            s.close()

    async def connect(self, route: Route):
        return await asyncio.open_connection("127.0.0.1", route.listen_port)

    async def roundtrip(self, r, w, data: bytes, timeout: float = 5.0) -> bytes:
        w.write(data)
        await w.drain()
        return await asyncio.wait_for(r.readexactly(len(data)), timeout)

    async def test_forwards(self) -> None:
        r, w = await self.connect(self.a)
        self.assertEqual(await self.roundtrip(r, w, b"hello"), b"hello")
        w.close()

    async def test_blackhole_holds_bytes_keeps_socket_open_and_heals(self) -> None:
        r, w = await self.connect(self.a)
        self.assertEqual(await self.roundtrip(r, w, b"one"), b"one")
        self.proxy.set("a", True)
        w.write(b"two")
        await w.drain()
        with self.assertRaises(asyncio.TimeoutError):
            await asyncio.wait_for(r.read(1), 0.5)  # nothing back, and not EOF either
        self.assertFalse(r.at_eof())
        # the other route is unaffected
        rb, wb = await self.connect(self.b)
        self.assertEqual(await self.roundtrip(rb, wb, b"b-ok"), b"b-ok")
        # a new connection on the blackholed route is accepted but never reaches upstream
        r2, w2 = await self.connect(self.a)
        w2.write(b"new")
        await w2.drain()
        with self.assertRaises(asyncio.TimeoutError):
            await asyncio.wait_for(r2.read(1), 0.3)
        self.proxy.set("a", False)
        self.assertEqual(await asyncio.wait_for(r.readexactly(3), 5), b"two")
        self.assertEqual(await asyncio.wait_for(r2.readexactly(3), 5), b"new")
        for x in (w, w2, wb):
            x.close()

    async def test_upstream_close_during_blackhole_closes_client_on_heal(self) -> None:
        r, w = await self.connect(self.a)
        self.assertEqual(await self.roundtrip(r, w, b"x"), b"x")
        self.proxy.set("a", True)
        w.write_eof()  # our EOF is held: upstream must not see it yet
        await asyncio.sleep(0.3)
        self.assertFalse(self.upstream_closed.is_set())
        self.proxy.set("a", False)
        await asyncio.wait_for(self.upstream_closed.wait(), 5)
        self.assertEqual(await asyncio.wait_for(r.read(), 5), b"")

    async def test_control_protocol(self) -> None:
        r, w = await asyncio.open_connection("127.0.0.1", self.proxy.control_port)
        for line, key in ((b"blackhole a\n", "blackhole"), (b"status\n", "routes"), (b"heal a\n", "heal")):
            w.write(line)
            reply = json.loads(await asyncio.wait_for(r.readline(), 5))
            self.assertTrue(reply["ok"])
            self.assertIn(key, reply)
            if key == "routes":
                self.assertTrue(reply["routes"]["a"]["blackholed"])
                self.assertFalse(reply["routes"]["b"]["blackholed"])
        w.write(b"blackhole nosuch\n")
        self.assertFalse(json.loads(await asyncio.wait_for(r.readline(), 5))["ok"])
        self.assertFalse(self.a.blackholed)
        w.close()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--self-test"]:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(SelfTest)
        return 0 if unittest.TextTestRunner(verbosity=2 if "-v" in argv else 1).run(suite).wasSuccessful() else 1
    p = argparse.ArgumentParser(prog="faultproxy.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--upstream", required=True, help="HOST:PORT of Postgres")
    s.add_argument("--route", action="append", required=True, help="NAME=PORT (0 = pick one)")
    s.add_argument("--listen", default="127.0.0.1",
                   help="address the routes listen on (a bridge address for LXC system containers); control stays on 127.0.0.1")
    s.add_argument("--control", type=int, default=0)
    s.add_argument("--ports-file")
    c = sub.add_parser("ctl")
    c.add_argument("--control", type=int, required=True)
    c.add_argument("words", nargs="+")
    a = p.parse_args(argv)
    if a.cmd == "serve":
        try:
            asyncio.run(serve(a))
        except KeyboardInterrupt:
            pass
        return 0
    return ctl(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
