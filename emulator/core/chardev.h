/* A chardev: a serial byte stream between one frontend on the model side
 * (a USART; the USB host's CDC-ACM function in front of the emulated USB
 * serial) and any number of backends on the host side (a pty, a file,
 * stdout, a scenario's output matcher), QEMU's Chardev/CharBackend idea.
 *
 *   frontend (model)                      backends (host)
 *   chardev_write() ---- bytes out ----->  every backend's receive()
 *   receive()       <--- bytes in  -----  chardev_send()  (queued)
 *   set_params()    <--- line coding ---  chardev_request_params()
 *   chardev_set_params() -- line coding ->  params()
 *   set_control()   <--- DTR, RTS ------  chardev_set_control()
 *   chardev_set_status() -- DCD, DSR, ..->  status()
 *   event()         <--- host opened/closed: chardev_host_event()
 *   chardev_set_connected() -- model side present/gone ->  event()
 *
 * Input flow control: bytes a backend sends are queued in the chardev and
 * handed to the frontend as fast as its can_receive() allows; when it can
 * take more later (a USART delivered a character, an OUT transfer
 * completed) the frontend calls chardev_input_ready(). Nothing is lost:
 * the queue grows as needed, and a backend that reads from an unbounded
 * source (a pty) stops reading while chardev_queued() is above a mark of
 * its choice, so the writer on the host blocks as on a real line.
 *
 * Output flow control, for frontends that can wait (USB CDC IN data waits
 * in the device): chardev_write_space() is what every backend can take now
 * (backends without can_receive() take anything); a backend that has room
 * again calls chardev_output_ready(), which reaches the frontend's
 * output_ready(). A USART never waits: its bytes go out at the baud rate.
 *
 * Every call is synchronous. Callbacks may call back into the chardev
 * (an echoing backend sends from its receive()); the input queue is
 * drained by one loop, never recursively. */
#ifndef PHOTON_CORE_CHARDEV_H
#define PHOTON_CORE_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHARDEV_MAX_BACKENDS 8

/* Line coding, as USB CDC SET_LINE_CODING and termios describe it. */
typedef struct chardev_params {
    uint32_t baud;      /* bits per second */
    uint8_t data_bits;  /* 5..9 */
    char parity;        /* 'N' none, 'O' odd, 'E' even, 'M' mark, 'S' space */
    uint8_t stop_half;  /* stop bits in halves: 1 = 0.5, 2 = 1, 3 = 1.5, 4 = 2 */
} chardev_params;

#define CHARDEV_PARAMS_DEFAULT ((chardev_params){115200, 8, 'N', 2})

/* Modem control and status lines. DTR and RTS go from the host to the
 * model (chardev_set_control); the others from the model to the host
 * (chardev_set_status), as CDC SERIAL_STATE reports them. */
enum {
    CHARDEV_DTR = 1u << 0,
    CHARDEV_RTS = 1u << 1,
    CHARDEV_DCD = 1u << 2,
    CHARDEV_DSR = 1u << 3,
    CHARDEV_RI = 1u << 4,
    CHARDEV_CTS = 1u << 5,
    CHARDEV_BREAK = 1u << 6,
};

typedef enum {
    CHARDEV_OPENED, /* frontend: a host program opened the stream;
                       backend: the model side appeared (USB CDC configured) */
    CHARDEV_CLOSED, /* the reverse */
} chardev_event;

/* The model side. Every member may be NULL: no can_receive means "takes
 * anything", no receive means input is consumed and dropped. */
typedef struct chardev_frontend_ops {
    /* How many input bytes the model can take now (0: none). */
    size_t (*can_receive)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    /* The host asks for this line coding (a terminal's termios). */
    void (*set_params)(void *opaque, const chardev_params *p);
    /* The host changed DTR/RTS. */
    void (*set_control)(void *opaque, unsigned lines);
    /* Backends can take output again (after chardev_write_space was 0). */
    void (*output_ready)(void *opaque);
    /* The first host program opened the stream, or the last closed it. */
    void (*event)(void *opaque, chardev_event ev);
} chardev_frontend_ops;

/* The host side. Every member may be NULL. */
typedef struct chardev_backend_ops {
    /* Output of the model. */
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    /* How many output bytes this backend can take now; NULL: any. */
    size_t (*can_receive)(void *opaque);
    /* The model's line coding changed. */
    void (*params)(void *opaque, const chardev_params *p);
    /* The model's DCD/DSR/RI/CTS/BREAK changed. */
    void (*status)(void *opaque, unsigned lines);
    /* The model side connected or disconnected. */
    void (*event)(void *opaque, chardev_event ev);
} chardev_backend_ops;

typedef struct chardev {
    const char *name;
    const chardev_frontend_ops *fe;
    void *fe_opaque;
    struct {
        const chardev_backend_ops *ops;
        void *opaque;
    } be[CHARDEV_MAX_BACKENDS];
    int nbe;
    /* input queue: bytes from the host not yet taken by the frontend */
    uint8_t *inq;
    size_t in_head, in_len, in_cap;
    bool draining;
    chardev_params params; /* as the model last set them */
    unsigned control;      /* DTR/RTS as the host last set them */
    unsigned status;       /* DCD/DSR/... as the model last set them */
    bool connected;        /* the model side is present */
    int host_opens;        /* host programs that have the stream open */
    uint64_t bytes_out, bytes_in;
} chardev;

void chardev_init(chardev *c, const char *name);
/* Free the input queue (backends and frontend are not told). */
void chardev_free(chardev *c);

/* Set (or with ops == NULL remove) the frontend. Input sent while there
 * is none stays queued and is delivered from here. */
void chardev_set_frontend(chardev *c, const chardev_frontend_ops *ops, void *opaque);
/* Add a backend. It is told the current line coding, status and, if the
 * model side is present, CHARDEV_OPENED. Returns 0, or -1 when full. */
int chardev_attach(chardev *c, const chardev_backend_ops *ops, void *opaque);
/* Remove the backend added with `opaque`. */
void chardev_detach(chardev *c, void *opaque);

/* ---- called by the frontend (the model) ---- */
/* Bytes out to every backend. */
void chardev_write(chardev *c, const uint8_t *buf, size_t len);
/* What every backend can take now (SIZE_MAX when none limits). */
size_t chardev_write_space(const chardev *c);
/* The frontend can take input again: deliver what is queued. */
void chardev_input_ready(chardev *c);
void chardev_set_params(chardev *c, const chardev_params *p);
void chardev_set_status(chardev *c, unsigned lines);
/* The model side appeared (true) or went away. */
void chardev_set_connected(chardev *c, bool connected);

/* ---- called by backends (the host) ---- */
/* Bytes in: queued, then delivered as the frontend takes them. Returns 0,
 * or -1 if memory for the queue ran out (nothing of `buf` is queued). */
int chardev_send(chardev *c, const uint8_t *buf, size_t len);
/* Bytes queued for the frontend and not yet taken. */
size_t chardev_queued(const chardev *c);
void chardev_request_params(chardev *c, const chardev_params *p);
void chardev_set_control(chardev *c, unsigned lines);
/* A host program opened (true) or closed the stream. The frontend hears
 * CHARDEV_OPENED for the first open and CHARDEV_CLOSED for the last close. */
void chardev_host_event(chardev *c, bool opened);
/* A backend has room for output again. */
void chardev_output_ready(chardev *c);

/* "115200 8N1" */
const char *chardev_params_str(const chardev_params *p, char *buf, size_t n);

#endif
