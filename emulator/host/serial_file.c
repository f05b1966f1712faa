#include "serial_file.h"

#include <errno.h>
#include <string.h>

static void out(void *opaque, const uint8_t *buf, size_t len)
{
    serial_file *sf = opaque;
    for (size_t i = 0; i < len; i++) {
        fputc(buf[i], sf->f);
        if (buf[i] == '\n')
            fflush(sf->f);
    }
}

static const chardev_backend_ops file_ops = {.receive = out};

int serial_file_open(serial_file *sf, chardev *port, const char *where, char *err,
                     size_t errlen)
{
    memset(sf, 0, sizeof(*sf));
    if (!strcmp(where, "none"))
        return 0;
    if (!strcmp(where, "stdout")) {
        sf->f = stdout;
    } else if (!(sf->f = fopen(where, "w"))) {
        snprintf(err, errlen, "%s: %s", where, strerror(errno));
        return -1;
    } else {
        sf->own = true;
    }
    if (chardev_attach(port, &file_ops, sf)) {
        snprintf(err, errlen, "%s: too many listeners on %s", where, port->name);
        serial_file_close(sf);
        return -1;
    }
    sf->port = port;
    return 0;
}

void serial_file_close(serial_file *sf)
{
    if (sf->port)
        chardev_detach(sf->port, sf);
    if (sf->f) {
        fflush(sf->f);
        if (sf->own)
            fclose(sf->f);
    }
    memset(sf, 0, sizeof(*sf));
}
