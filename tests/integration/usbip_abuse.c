/* usbip-abuse PORT: misbehaving USB/IP clients against a running
 * photon-sim (in DFU mode): garbage, truncated headers, wrong versions,
 * unknown operations and commands, huge lengths, isochronous requests,
 * stale device ids, a second import, transfers cut off in the middle and
 * clients that vanish while a transfer is in flight. After each one it
 * checks that the server still answers a device list with the device and
 * that well-formed requests still work. Prints one line per case; exit
 * status 0 if the server survived everything. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "usbip_proto.h" /* the wire format's big-endian fields */

static int port;
static int failures;

static int conn(void)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
        perror("usbip-abuse: connect");
        exit(2);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void snd(int fd, const void *b, size_t n)
{
    const uint8_t *p = b;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* the server may close on us: that is allowed */
        p += w;
        n -= (size_t)w;
    }
}

/* Read n bytes within 10 s; false on EOF/timeout. */
static bool rcv(int fd, void *b, size_t n)
{
    uint8_t *p = b;
    while (n) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 10000) <= 0)
            return false;
        ssize_t r = recv(fd, p, n, 0);
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

/* The server closes the connection (EOF) within 10 s. */
static bool closes(int fd)
{
    uint8_t b[4096];
    for (;;) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 10000) <= 0)
            return false;
        ssize_t r = recv(fd, b, sizeof(b), 0);
        if (r <= 0)
            return true;
    }
}

static void check(bool ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    fflush(stdout);
    if (!ok)
        failures++;
}

/* A device list with one device; returns its devnum (0 if none). */
static uint32_t devlist(void)
{
    int fd = conn();
    uint8_t req[8] = {0x01, 0x11, 0x80, 0x05, 0, 0, 0, 0}, rep[12], dev[312];
    snd(fd, req, 8);
    uint32_t devnum = 0;
    if (rcv(fd, rep, 12) && usbip_get32(rep + 4) == 0 && usbip_get32(rep + 8) == 1 && rcv(fd, dev, 312))
        devnum = usbip_get32(dev + 292);
    close(fd);
    return devnum;
}

static int import(uint32_t *status)
{
    int fd = conn();
    uint8_t req[40] = {0x01, 0x11, 0x80, 0x03};
    memcpy(req + 8, "1-1", 3);
    snd(fd, req, sizeof(req));
    uint8_t rep[8], dev[312];
    *status = 0xFFFFFFFF;
    if (rcv(fd, rep, 8)) {
        *status = usbip_get32(rep + 4);
        if (*status == 0 && !rcv(fd, dev, 312))
            *status = 0xFFFFFFFE;
    }
    return fd;
}

static void submit_hdr(uint8_t *h, uint32_t seq, uint32_t devid, bool in, uint32_t ep,
                       uint32_t len, const uint8_t setup[8])
{
    memset(h, 0, 48);
    usbip_put32(h, 1);
    usbip_put32(h + 4, seq);
    usbip_put32(h + 8, devid);
    usbip_put32(h + 12, in);
    usbip_put32(h + 16, ep);
    usbip_put32(h + 20, in ? 0x200 : 0);
    usbip_put32(h + 24, len);
    usbip_put32(h + 32, 0xFFFFFFFF);
    if (setup)
        memcpy(h + 40, setup, 8);
}

/* A control transfer on an imported connection: status, or 1 on EOF. */
static int32_t control(int fd, uint32_t devid, uint32_t seq, const uint8_t setup[8],
                       uint8_t *data, uint32_t len, uint32_t *actual)
{
    bool in = setup[0] & 0x80;
    uint8_t h[48], r[48];
    submit_hdr(h, seq, devid, in, 0, len, setup);
    snd(fd, h, 48);
    if (!in && len)
        snd(fd, data, len);
    if (!rcv(fd, r, 48) || usbip_get32(r) != 3 || usbip_get32(r + 4) != seq)
        return 1;
    *actual = usbip_get32(r + 24);
    if (in && *actual && (*actual > len || !rcv(fd, data, *actual)))
        return 1;
    return (int32_t)usbip_get32(r + 20);
}

static void survives(const char *what)
{
    char msg[256];
    snprintf(msg, sizeof(msg), "server still lists the device after: %s", what);
    check(devlist() != 0, msg);
}

static const uint8_t GETSTATUS[8] = {0xA1, 3, 0, 0, 0, 0, 6, 0};
static const uint8_t CLRSTATUS[8] = {0x21, 4, 0, 0, 0, 0, 0, 0};
static const uint8_t ABORT[8] = {0x21, 6, 0, 0, 0, 0, 0, 0};
static const uint8_t SETALT0[8] = {0x01, 11, 0, 0, 0, 0, 0, 0};

/* Bring the DFU interface back to dfuIDLE the way dfu-util does. */
static bool dfu_idle(int fd, uint32_t devid, uint32_t *seq)
{
    uint8_t st[6];
    uint32_t act;
    control(fd, devid, ++*seq, SETALT0, NULL, 0, &act);
    for (int i = 0; i < 10; i++) {
        if (control(fd, devid, ++*seq, GETSTATUS, st, 6, &act) || act != 6)
            return false;
        if (st[4] == 2)
            return true;
        if (st[4] == 10)
            control(fd, devid, ++*seq, CLRSTATUS, NULL, 0, &act);
        else
            control(fd, devid, ++*seq, ABORT, NULL, 0, &act);
    }
    return false;
}

int main(int argc, char **argv)
{
    if (argc != 2 || (port = atoi(argv[1])) <= 0) {
        fprintf(stderr, "usage: usbip-abuse PORT\n");
        return 2;
    }
    srand(12345);
    uint32_t devnum = devlist();
    check(devnum != 0, "a device is listed");
    if (!devnum)
        return 1;
    uint32_t devid = 1u << 16 | devnum;

    /* operations phase */
    for (int i = 0; i < 20; i++) {
        int fd = conn();
        uint8_t junk[700];
        size_t n = 1 + (size_t)rand() % sizeof(junk);
        for (size_t k = 0; k < n; k++)
            junk[k] = (uint8_t)rand();
        snd(fd, junk, n);
        close(fd);
    }
    survives("20 clients sending random bytes");

    {
        int fd = conn();
        snd(fd, "\x01\x11\x80", 3);
        close(fd);
        survives("a truncated operation header");
    }
    {
        int fd = conn();
        uint8_t req[8] = {0x01, 0x06, 0x80, 0x05, 0, 0, 0, 0}, rep[8];
        snd(fd, req, 8);
        check(rcv(fd, rep, 8) && usbip_get32(rep + 4) == 5 && closes(fd),
              "wrong version: error status, then closed");
        close(fd);
    }
    {
        int fd = conn();
        uint8_t req[8] = {0x01, 0x11, 0x81, 0x23, 0, 0, 0, 0}, rep[8];
        snd(fd, req, 8);
        check(rcv(fd, rep, 8) && usbip_get32(rep + 4) == 5 && closes(fd),
              "unknown operation: error status, then closed");
        close(fd);
    }
    {
        int fd = conn();
        uint8_t req[40] = {0x01, 0x11, 0x80, 0x03}, rep[8];
        memcpy(req + 8, "9-9", 3);
        snd(fd, req, 40);
        check(rcv(fd, rep, 8) && usbip_get32(rep + 4) == 4 && closes(fd),
              "import of an unknown bus id: ST_NODEV");
        close(fd);
    }
    {
        int fd = conn();
        uint8_t req[20] = {0x01, 0x11, 0x80, 0x03};
        snd(fd, req, 20);
        close(fd);
        survives("an import cut off in the bus id");
    }

    /* imported phase */
    uint32_t st;
    {
        int fd = import(&st);
        check(st == 0, "import works");
        uint32_t st2;
        int fd2 = import(&st2);
        check(st2 == 2, "a second import at the same time: ST_DEV_BUSY");
        close(fd2);
        uint8_t h[20] = {0, 0, 0, 1};
        snd(fd, h, sizeof(h));
        close(fd);
        survives("a truncated URB header");
    }
    {
        int fd = import(&st);
        uint8_t h[48];
        submit_hdr(h, 1, devid, false, 0, 0x7FFFFFF0u, (const uint8_t *)"\x21\x01\x02\0\0\0\0\x10");
        snd(fd, h, 48);
        check(closes(fd), "a huge transfer_buffer_length: connection closed");
        close(fd);
        survives("a huge transfer_buffer_length");
    }
    {
        int fd = import(&st);
        uint8_t h[48];
        submit_hdr(h, 1, devid, true, 0, 64, GETSTATUS);
        usbip_put32(h + 12, 7); /* direction 7 */
        snd(fd, h, 48);
        check(closes(fd), "a bad direction: connection closed");
        close(fd);
    }
    {
        int fd = import(&st);
        uint8_t h[48];
        submit_hdr(h, 1, devid, true, 0x81, 64, NULL);
        usbip_put32(h + 32, 4); /* isochronous */
        snd(fd, h, 48);
        check(closes(fd), "an isochronous request: connection closed");
        close(fd);
    }
    {
        int fd = import(&st);
        uint8_t h[48];
        memset(h, 0, 48);
        usbip_put32(h, 99);
        snd(fd, h, 48);
        check(closes(fd), "an unknown command: connection closed");
        close(fd);
    }
    {
        int fd = import(&st);
        uint8_t buf[64];
        uint32_t act;
        check(control(fd, devid ^ 0x5, 1, GETSTATUS, buf, 6, &act) == -ENODEV,
              "a stale device id: -ENODEV");
        uint8_t h[48], r[48];
        submit_hdr(h, 2, devid, true, 3, 64, NULL);
        snd(fd, h, 48);
        check(rcv(fd, r, 48) && (int32_t)usbip_get32(r + 20) == -EPIPE,
              "a transfer to an endpoint the device does not have: -EPIPE");
        uint32_t seq = 10;
        check(dfu_idle(fd, devid, &seq), "well-formed requests still work (dfuIDLE)");
        close(fd);
    }
    {
        /* a DNLOAD (block 1: the firmware ignores its data) cut off in its
         * data stage, then gone */
        int fd = import(&st);
        uint8_t h[48], data[4096];
        memset(data, 0xA5, sizeof(data));
        uint32_t seq = 1;
        dfu_idle(fd, devid, &seq);
        submit_hdr(h, 100, devid, false, 0, 4096, (const uint8_t *)"\x21\x01\x01\0\0\0\0\x10");
        snd(fd, h, 48);
        snd(fd, data, 1000);
        close(fd);
        survives("a client vanishing in the middle of sending OUT data");
    }
    {
        /* a complete DNLOAD whose transfer is at the device when the
         * client disconnects */
        int fd = import(&st);
        uint8_t h[48], data[4096];
        memset(data, 0x5A, sizeof(data));
        uint32_t seq = 1;
        dfu_idle(fd, devid, &seq);
        submit_hdr(h, 200, devid, false, 0, 4096, (const uint8_t *)"\x21\x01\x01\0\0\0\0\x10");
        snd(fd, h, 48);
        snd(fd, data, 4096);
        close(fd);
        survives("a client vanishing while its OUT transfer is in flight");
    }
    {
        /* an UPLOAD in flight when the client disconnects */
        int fd = import(&st);
        uint8_t h[48];
        uint32_t seq = 1;
        dfu_idle(fd, devid, &seq);
        submit_hdr(h, 300, devid, true, 0, 4096, (const uint8_t *)"\xA1\x02\x02\0\0\0\0\x10");
        snd(fd, h, 48);
        close(fd);
        survives("a client vanishing while its IN transfer is in flight");
    }
    {
        /* unlink right after submit; then the connection must still work */
        int fd = import(&st);
        uint8_t h[48], r[48], u[48];
        submit_hdr(h, 400, devid, true, 0, 6, GETSTATUS);
        memset(u, 0, 48);
        usbip_put32(u, 2);
        usbip_put32(u + 4, 401);
        usbip_put32(u + 8, devid);
        usbip_put32(u + 20, 400);
        snd(fd, h, 48);
        snd(fd, u, 48);
        bool ok = false;
        for (int k = 0; k < 2 && rcv(fd, r, 48); k++) {
            if (usbip_get32(r) == 4 && usbip_get32(r + 4) == 401) {
                ok = true;
                break;
            }
            if (usbip_get32(r) == 3 && usbip_get32(r + 24) && usbip_get32(r + 24) <= 6) {
                uint8_t d[6];
                rcv(fd, d, usbip_get32(r + 24));
            }
        }
        check(ok, "CMD_UNLINK right after CMD_SUBMIT: RET_UNLINK");
        uint32_t s2 = 500;
        check(dfu_idle(fd, devid, &s2), "the connection still works after the unlink");
        close(fd);
    }
    {
        /* well-framed random requests of the kinds the firmware answers;
         * one it ignores (no reply, as on a real board) is unlinked after
         * a second, as a real client does on its timeout */
        static const uint8_t kinds[][2] = {
            {0xA1, 2}, {0xA1, 3}, {0xA1, 5}, {0x80, 0}, {0x80, 6}, {0x80, 8},
            {0x81, 0}, {0x81, 10}, {0x82, 0}, {0xC0, 0xEE}, {0xC1, 0xEE},
        };
        int fd = import(&st);
        int answered = 0, unlinked = 0;
        for (int i = 0; i < 200; i++) {
            uint8_t h[48], setup[8], data[256], r[48];
            int k = rand() % (int)(sizeof(kinds) / sizeof(kinds[0]));
            for (int b = 0; b < 8; b++)
                setup[b] = (uint8_t)rand();
            setup[0] = kinds[k][0];
            setup[1] = kinds[k][1];
            if (setup[1] == 6)
                setup[3] = (uint8_t)(1 + rand() % 2); /* device or configuration */
            setup[6] = (uint8_t)(rand() % 255);
            setup[7] = 0;
            uint32_t len = setup[6], seq = 1000 + 2 * (uint32_t)i;
            submit_hdr(h, seq, devid, true, 0, len, setup);
            snd(fd, h, 48);
            struct pollfd pf = {.fd = fd, .events = POLLIN};
            if (poll(&pf, 1, 1000) <= 0) {
                uint8_t u[48];
                memset(u, 0, 48);
                usbip_put32(u, 2);
                usbip_put32(u + 4, seq + 1);
                usbip_put32(u + 8, devid);
                usbip_put32(u + 20, seq);
                snd(fd, u, 48);
                unlinked++;
            }
            bool done = false;
            while (!done && rcv(fd, r, 48)) {
                uint32_t act = usbip_get32(r + 24);
                if (usbip_get32(r) == 3) {
                    if (act > len || (act && !rcv(fd, data, act)))
                        break;
                    answered++;
                    done = pf.revents != 0; /* no unlink outstanding */
                } else {
                    done = true; /* RET_UNLINK */
                }
            }
            if (!done)
                break;
        }
        printf("   (%d answered, %d unlinked)\n", answered, unlinked);
        uint32_t seq = 5000;
        check(dfu_idle(fd, devid, &seq), "200 random IN control requests, then dfuIDLE again");
        close(fd);
    }
    {
        /* a flood of control-IN transfers with wLength 0xFFFF that never
         * reads a reply, then closes: the server holds the client back
         * (bounded memory) and returns to service at once */
        uint32_t st;
        int fd = import(&st);
        check(st == 0, "import for the wLength flood");
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        static const uint8_t GETCONFIG[8] = {0x80, 6, 0, 2, 0, 0, 0xFF, 0xFF};
        uint8_t h[48];
        int sent = 0;
        for (uint32_t seq = 1; seq < 200000; seq++) {
            submit_hdr(h, seq, devid, true, 0, 0xFFFF, GETCONFIG);
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            if (poll(&pf, 1, 500) <= 0)
                break; /* held back: the server stopped reading */
            if (send(fd, h, 48, MSG_NOSIGNAL) != 48)
                break;
            sent++;
        }
        printf("   (%d requests sent before the server held the client back)\n", sent);
        check(sent < 200000 - 1, "the server holds a flooding client back");
        close(fd);
        survives("a wLength 0xFFFF flood that never reads");
    }
    survives("everything");
    printf("%s\n", failures ? "usbip-abuse: FAILED" : "usbip-abuse: the server survived");
    return failures ? 1 : 0;
}
