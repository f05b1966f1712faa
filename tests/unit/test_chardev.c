/* emulator/core/chardev: a byte stream between a model and host backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emulator/core/chardev.h"

/* A frontend that takes `room` bytes until told otherwise. */
typedef struct fe_probe {
    chardev *c;
    size_t room;
    uint8_t got[8192];
    size_t ngot;
    chardev_params params;
    int params_calls;
    unsigned control;
    int control_calls;
    int opened, closed, output_ready;
    bool echo; /* write every received byte back out */
} fe_probe;

static size_t fe_can(void *o) { return ((fe_probe *)o)->room; }
static void fe_rx(void *o, const uint8_t *b, size_t n)
{
    fe_probe *f = o;
    assert_true(n <= f->room);
    memcpy(f->got + f->ngot, b, n);
    f->ngot += n;
    f->room -= n;
    if (f->echo)
        chardev_write(f->c, b, n);
}
static void fe_params(void *o, const chardev_params *p)
{
    fe_probe *f = o;
    f->params = *p;
    f->params_calls++;
}
static void fe_control(void *o, unsigned l)
{
    fe_probe *f = o;
    f->control = l;
    f->control_calls++;
}
static void fe_ready(void *o) { ((fe_probe *)o)->output_ready++; }
static void fe_event(void *o, chardev_event ev)
{
    fe_probe *f = o;
    if (ev == CHARDEV_OPENED)
        f->opened++;
    else
        f->closed++;
}
static const chardev_frontend_ops fe_ops = {fe_can, fe_rx, fe_params, fe_control, fe_ready,
                                            fe_event};

typedef struct be_probe {
    chardev *c;
    uint8_t got[8192];
    size_t ngot;
    size_t space;
    bool limit;
    chardev_params params;
    unsigned status;
    int opened, closed;
    const char *reply; /* sent back on every receive */
} be_probe;

static void be_rx(void *o, const uint8_t *b, size_t n)
{
    be_probe *p = o;
    memcpy(p->got + p->ngot, b, n);
    p->ngot += n;
    if (p->reply)
        chardev_send(p->c, (const uint8_t *)p->reply, strlen(p->reply));
}
static size_t be_can(void *o) { return ((be_probe *)o)->space; }
static void be_params(void *o, const chardev_params *pp) { ((be_probe *)o)->params = *pp; }
static void be_status(void *o, unsigned l) { ((be_probe *)o)->status = l; }
static void be_event(void *o, chardev_event ev)
{
    be_probe *p = o;
    if (ev == CHARDEV_OPENED)
        p->opened++;
    else
        p->closed++;
}
static const chardev_backend_ops be_ops = {be_rx, NULL, be_params, be_status, be_event};
static const chardev_backend_ops be_limited_ops = {be_rx, be_can, be_params, be_status,
                                                   be_event};

static void output_reaches_every_backend(void **state)
{
    (void)state;
    chardev c;
    chardev_init(&c, "USART1");
    be_probe a = {0}, b = {0};
    assert_int_equal(chardev_attach(&c, &be_ops, &a), 0);
    assert_int_equal(chardev_attach(&c, &be_ops, &b), 0);
    chardev_write(&c, (const uint8_t *)"hello", 5);
    assert_int_equal(a.ngot, 5);
    assert_memory_equal(b.got, "hello", 5);
    chardev_detach(&c, &a);
    chardev_write(&c, (const uint8_t *)"!", 1);
    assert_int_equal(a.ngot, 5);
    assert_int_equal(b.ngot, 6);
    assert_int_equal(c.bytes_out, 6);
    /* no backend at all: output goes nowhere, nothing breaks */
    chardev_detach(&c, &b);
    chardev_write(&c, (const uint8_t *)"x", 1);
    chardev_free(&c);
}

static void input_waits_for_a_full_frontend_and_loses_nothing(void **state)
{
    (void)state;
    chardev c;
    chardev_init(&c, "USART1");
    static fe_probe f;
    memset(&f, 0, sizeof(f));
    f.c = &c;
    chardev_set_frontend(&c, &fe_ops, &f);
    /* 5000 bytes in pieces while the model takes one at a time: the queue
     * grows and wraps around */
    uint8_t msg[5000];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    for (size_t off = 0; off < sizeof(msg); off += 100) {
        assert_int_equal(chardev_send(&c, msg + off, 100), 0);
        for (int k = 0; k < 60; k++) { /* the model takes 60 of each 100 */
            f.room = 1;
            chardev_input_ready(&c);
        }
    }
    assert_int_equal(f.ngot, 3000);
    assert_int_equal(chardev_queued(&c), 2000);
    f.room = 0;
    chardev_input_ready(&c); /* still full: nothing moves */
    assert_int_equal(f.ngot, 3000);
    f.room = 100000;
    chardev_input_ready(&c);
    assert_int_equal(f.ngot, 5000);
    assert_int_equal(chardev_queued(&c), 0);
    assert_memory_equal(f.got, msg, sizeof(msg));
    assert_int_equal(c.bytes_in, 5000);
    chardev_free(&c);
}

static void a_frontend_without_flow_control_takes_everything(void **state)
{
    (void)state;
    chardev c;
    chardev_init(&c, "x");
    static const chardev_frontend_ops only_rx = {.receive = fe_rx};
    static fe_probe f;
    memset(&f, 0, sizeof(f));
    f.room = 1000; /* checked by fe_rx only */
    chardev_set_frontend(&c, &only_rx, &f);
    chardev_send(&c, (const uint8_t *)"abc", 3);
    assert_int_equal(f.ngot, 3);
    assert_int_equal(chardev_queued(&c), 0);
    /* no frontend: bytes stay queued until one is set and ready */
    chardev_set_frontend(&c, NULL, NULL);
    chardev_send(&c, (const uint8_t *)"de", 2);
    assert_int_equal(chardev_queued(&c), 2);
    chardev_set_frontend(&c, &only_rx, &f);
    assert_int_equal(f.ngot, 5);
    assert_memory_equal(f.got, "abcde", 5);
    chardev_free(&c);
}

static void callbacks_may_call_back_in(void **state)
{
    (void)state;
    chardev c;
    chardev_init(&c, "echo");
    static fe_probe f;
    memset(&f, 0, sizeof(f));
    f.c = &c;
    f.room = 1000;
    f.echo = true;
    static be_probe b;
    memset(&b, 0, sizeof(b));
    b.c = &c;
    b.reply = "";
    chardev_set_frontend(&c, &fe_ops, &f);
    chardev_attach(&c, &be_ops, &b);
    /* the backend answers each output with a byte of input, which the
     * model echoes: a ping-pong that must neither recurse nor lose bytes */
    b.reply = "k";
    f.room = 3;
    chardev_send(&c, (const uint8_t *)"p", 1);
    assert_int_equal(f.ngot, 3);
    assert_memory_equal(f.got, "pkk", 3);
    assert_int_equal(b.ngot, 3);
    assert_int_equal(chardev_queued(&c), 1); /* the model is full */
    chardev_free(&c);
}

static void line_coding_and_control_travel_both_ways(void **state)
{
    (void)state;
    chardev c;
    chardev_init(&c, "cdc");
    static fe_probe f;
    memset(&f, 0, sizeof(f));
    chardev_set_frontend(&c, &fe_ops, &f);
    /* a pty's termios change reaches the model (USB CDC SET_LINE_CODING) */
    chardev_params p = {9600, 7, 'E', 4};
    chardev_request_params(&c, &p);
    assert_int_equal(f.params_calls, 1);
    assert_int_equal(f.params.baud, 9600);
    assert_int_equal(f.params.parity, 'E');
    /* the model's own setting reaches the backends, now and when attached */
    static be_probe b;
    memset(&b, 0, sizeof(b));
    chardev_attach(&c, &be_ops, &b);
    assert_int_equal(b.params.baud, 115200); /* the default, told on attach */
    chardev_params q = {460800, 8, 'N', 2};
    chardev_set_params(&c, &q);
    assert_int_equal(b.params.baud, 460800);
    char s[32];
    assert_string_equal(chardev_params_str(&q, s, sizeof(s)), "460800 8N1");
    assert_string_equal(chardev_params_str(&p, s, sizeof(s)), "9600 7E2");
    /* DTR/RTS from the host, reported to the model when they change */
    chardev_set_control(&c, CHARDEV_DTR);
    chardev_set_control(&c, CHARDEV_DTR);
    assert_int_equal(f.control_calls, 1);
    chardev_set_control(&c, CHARDEV_DTR | CHARDEV_RTS | CHARDEV_DCD);
    assert_int_equal(f.control, CHARDEV_DTR | CHARDEV_RTS); /* not a host line */
    chardev_set_status(&c, CHARDEV_DCD | CHARDEV_DSR);
    assert_int_equal(b.status, CHARDEV_DCD | CHARDEV_DSR);
    chardev_free(&c);
}

static void open_and_close_are_reported_once(void **state)
{
    (void)state;
    chardev c;
    chardev_init(&c, "cdc");
    static fe_probe f;
    memset(&f, 0, sizeof(f));
    chardev_set_frontend(&c, &fe_ops, &f);
    chardev_host_event(&c, true);
    chardev_host_event(&c, true); /* a second program opens it too */
    chardev_host_event(&c, false);
    assert_int_equal(f.opened, 1);
    assert_int_equal(f.closed, 0);
    chardev_host_event(&c, false);
    chardev_host_event(&c, false); /* an unmatched close is ignored */
    assert_int_equal(f.closed, 1);
    /* the model side: backends hear it, and late ones are told on attach */
    static be_probe a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    chardev_attach(&c, &be_ops, &a);
    chardev_set_connected(&c, true);
    chardev_set_connected(&c, true);
    assert_int_equal(a.opened, 1);
    chardev_attach(&c, &be_ops, &b);
    assert_int_equal(b.opened, 1);
    chardev_set_connected(&c, false);
    assert_int_equal(a.closed, 1);
    assert_int_equal(b.closed, 1);
    chardev_free(&c);
}

static void output_space_is_the_smallest_and_ready_reaches_the_model(void **state)
{
    (void)state;
    chardev c;
    chardev_init(&c, "cdc");
    static fe_probe f;
    memset(&f, 0, sizeof(f));
    chardev_set_frontend(&c, &fe_ops, &f);
    assert_true(chardev_write_space(&c) == SIZE_MAX);
    static be_probe a, b, u;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    memset(&u, 0, sizeof(u));
    a.space = 64;
    b.space = 10;
    chardev_attach(&c, &be_limited_ops, &a);
    chardev_attach(&c, &be_limited_ops, &b);
    chardev_attach(&c, &be_ops, &u); /* no limit */
    assert_int_equal(chardev_write_space(&c), 10);
    b.space = 0;
    assert_int_equal(chardev_write_space(&c), 0);
    b.space = 500;
    chardev_output_ready(&c);
    assert_int_equal(f.output_ready, 1);
    assert_int_equal(chardev_write_space(&c), 64);
    chardev_free(&c);
}

static void attach_refuses_beyond_its_backends(void **state)
{
    (void)state;
    chardev c;
    chardev_init(&c, "x");
    static be_probe b[CHARDEV_MAX_BACKENDS + 1];
    for (int i = 0; i < CHARDEV_MAX_BACKENDS; i++)
        assert_int_equal(chardev_attach(&c, &be_ops, &b[i]), 0);
    assert_int_equal(chardev_attach(&c, &be_ops, &b[CHARDEV_MAX_BACKENDS]), -1);
    assert_int_equal(chardev_attach(&c, NULL, &b[0]), -1);
    chardev_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(output_reaches_every_backend),
        cmocka_unit_test(input_waits_for_a_full_frontend_and_loses_nothing),
        cmocka_unit_test(a_frontend_without_flow_control_takes_everything),
        cmocka_unit_test(callbacks_may_call_back_in),
        cmocka_unit_test(line_coding_and_control_travel_both_ways),
        cmocka_unit_test(open_and_close_are_reported_once),
        cmocka_unit_test(output_space_is_the_smallest_and_ready_reaches_the_model),
        cmocka_unit_test(attach_refuses_beyond_its_backends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
