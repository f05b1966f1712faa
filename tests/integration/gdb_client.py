#!/usr/bin/env python3
"""A small GDB remote protocol client for tests/integration/gdb.sh.

    gdb_client.py PORT abuse      malformed packets, bad checksums, huge
                                  lengths, a second connection; ends with
                                  an abrupt disconnect in a packet
    gdb_client.py PORT reconnect  disconnect while running, connect again, kill
    gdb_client.py PORT interrupt  continue / Ctrl-C / read registers and RAM,
                                  several times, then continue to the end

Socket timeouts only bound a failure (a hung stub); nothing waits on time
to synchronise.
"""
import socket
import sys

TIMEOUT = 60


def checksum(data):
    return sum(data) & 0xFF


def frame(payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return b"$" + payload + b"#%02x" % checksum(payload)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""

    def send(self, raw):
        self.s.sendall(raw)

    def byte(self):
        while not self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def packet(self):
        """The next packet's payload; skips acks; checks the checksum."""
        while self.byte() != b"$":
            pass
        data = b""
        while True:
            c = self.byte()
            if c == b"#":
                break
            data += c
        cs = self.byte() + self.byte()
        assert int(cs, 16) == checksum(data), "bad checksum from the stub"
        return data.decode("latin-1")

    def ack(self):
        c = self.byte()
        return c

    def cmd(self, payload):
        self.send(frame(payload))
        assert self.ack() == b"+", "no ack"
        return self.packet()

    def close(self):
        self.s.close()


def expect(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    print("ok:", what)


def abuse(port):
    c = Conn(port)
    c.send(b"hello, stub\r\n\x00\xff")
    c.send(b"$g#00")
    expect(c.ack() == b"-", "a bad checksum is answered with '-'")
    c.send(b"$g#zz")
    expect(c.ack() == b"-", "a non-hex checksum is answered with '-'")
    r = c.cmd("?")
    expect(r.startswith("T"), "then a good packet is served: " + r[:3])
    c.send(b"$" + b"m" * 100000 + b"#00")
    expect(c.ack() == b"+" and c.packet() == "E01", "an oversized packet gets E01")
    expect(c.cmd("m,,") == "E01", "malformed arguments get E01")
    expect(c.cmd("m123456789,4") == "E01", "an address beyond 32 bits gets E01")
    expect(c.cmd("M20000000,ffffffff:00") == "E01", "a length that does not match the data gets E01")
    r = c.cmd("m20000000,ffffffff")
    expect(0 < len(r) <= 16384, "a huge read length gets what fits (%d hex digits)" % len(r))
    expect(c.cmd("m60000000,4") == "E14", "unmapped memory gets E14")
    expect(c.cmd("qRcmd,zz") == "E01", "a bad monitor hex gets E01")
    expect(c.cmd("Z9,0,0") == "", "an unknown breakpoint type gets the empty reply")
    expect(c.cmd("vNotAThing") == "", "an unknown packet gets the empty reply")
    expect(c.cmd("p99") == "E01", "a register that does not exist gets E01")
    r = c.cmd("qXfer:features:read:target.xml:ffffff,ffffff")
    expect(r == "l", "qXfer past the end is 'l'")
    # binary data with escapes and a 0x03 inside a packet (not Ctrl-C)
    c.send(frame(b"X20000400,2:\x03}\x03"))
    expect(c.ack() == b"+" and c.packet() == "OK", "X with a raw 0x03 and an escape")
    expect(c.cmd("m20000400,2") == "0323", "and the bytes landed")
    # a second debugger is refused while the first is attached
    d = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    d.settimeout(TIMEOUT)
    expect(d.recv(16) == b"", "a second connection is closed")
    d.close()
    expect(c.cmd("qC") == "QC1", "the first still works")
    # an abrupt disconnect in the middle of a packet: the Photon runs on
    c.send(b"$m2000")
    c.close()
    print("ok: disconnected in the middle of a packet")


def reconnect(port):
    """Disconnect while the core runs, connect again, kill."""
    c = Conn(port)
    expect(c.cmd("?").startswith("T"), "halted at connect")
    c.send(frame("c"))
    expect(c.ack() == b"+", "continue acknowledged")
    c.close()
    c = Conn(port)
    expect(c.cmd("?").startswith("T"), "a new connection halts it again")
    expect(len(c.cmd("g")) == 23 * 8, "registers readable")
    c.send(frame("vKill;1"))
    expect(c.ack() == b"+" and c.packet() == "OK", "kill")
    c.close()


def interrupt(port):
    """Interrupt the run a few times; virtual time must stand still while
    halted, so the LED trace does not change (gdb.sh compares)."""
    c = Conn(port)
    r = c.cmd("?")
    expect(r.startswith("T"), "halted at connect")
    stops = 0
    for i in range(6):
        c.send(frame("c"))
        expect(c.ack() == b"+", "continue %d" % i)
        # let it run until a reply is pending or a moment passed
        c.s.settimeout(0.02 * (i + 1))
        try:
            early = c.packet()
        except socket.timeout:
            early = None
        c.s.settimeout(TIMEOUT)
        if early is not None:
            expect(early.startswith("W"), "the run ended: " + early)
            return
        try:
            c.send(b"\x03")
        except OSError:
            pass  # the run ended meanwhile: its W packet is waiting
        r = c.packet()
        if r.startswith("W"):
            expect(True, "the run ended before Ctrl-C")
            return
        expect(r.startswith("T02"), "Ctrl-C stops it: " + r[:3])
        stops += 1
        expect(len(c.cmd("g")) == 23 * 8, "registers")
        expect(len(c.cmd("m20000000,400")) == 0x800, "RAM")
    c.send(frame("c"))
    expect(c.ack() == b"+", "last continue")
    r = c.packet()
    expect(r.startswith("W"), "the run ends with W: " + r)
    print("interrupted %d times" % stops)


if __name__ == "__main__":
    port = int(sys.argv[1])
    {"abuse": abuse, "interrupt": interrupt, "reconnect": reconnect}[sys.argv[2]](port)
