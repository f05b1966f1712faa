/* A byte-stream backend that writes what a serial port (a chardev) sends
 * to stdout or a file, flushed at each end of line. */
#ifndef PHOTON_SERIAL_FILE_H
#define PHOTON_SERIAL_FILE_H

#include <stdio.h>

#include "chardev.h"

typedef struct serial_file {
    FILE *f;
    bool own; /* opened here (closed by serial_file_close) */
    chardev *port;
} serial_file;

/* Open `where`: "stdout", "none" (nothing is attached) or a file name, and
 * attach it to `port`. Returns 0 or -1 with a message. */
int serial_file_open(serial_file *sf, chardev *port, const char *where, char *err,
                     size_t errlen);
/* Detach and close. */
void serial_file_close(serial_file *sf);

#endif
