/* Wi-Fi credentials on the listening-mode serial console (serial_wifi.h). */
#include "serial_wifi.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softap_setup.h"

#define TICK_PS PS_PER_S
#define PROMPT_WAIT_S 3  /* after `w`, before sending it again */
#define DIALOG_WAIT_S 10 /* after an answer, before giving the dialog up */
#define OUTSIDE_S 10     /* Device OS outside listening mode, before SETUP */
#define SETUP_HOLD_PS (3 * PS_PER_S)
#define TAIL 256

struct serial_wifi {
    session *s;
    chardev *cd;
    const radio *air;
    serial_wifi_note_fn note;
    void *ctx;
    struct {
        char ssid[33], password[65];
    } cred[SERIAL_WIFI_MAX];
    int n, next;
    serial_wifi_state state;
    bool attached, opened, listening, in_dialog, prompted;
    uint64_t w_at;   /* when `w` or the last answer went out */
    int outside;     /* seconds of Device OS outside listening mode */
    bool holding;    /* SETUP held */
    clock_event tick, release;
    char out[TAIL];  /* the console's output since the last answer */
    size_t outn;
    char msg[256];
};

static machine *mach(serial_wifi *w) { return w->s->p->m; }

__attribute__((format(printf, 2, 3))) static void note(serial_wifi *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
    va_end(ap);
    log_msg(&mach(w)->log, LOG_WIFI, "serial wifi: %s", w->msg);
    if (w->note)
        w->note(w->ctx, w->msg);
}

static void send_str(serial_wifi *w, const char *s)
{
    chardev_send(w->cd, (const uint8_t *)s, strlen(s));
}

static void answer(serial_wifi *w, const char *s)
{
    send_str(w, s);
    send_str(w, "\r");
    w->outn = 0;
    w->w_at = machine_now(mach(w));
}

/* `w`: the console's credentials dialog. */
static void kick(serial_wifi *w)
{
    send_str(w, "w");
    w->in_dialog = true;
    w->prompted = false;
    w->outn = 0;
    w->w_at = machine_now(mach(w));
}

static const radio_ap *target(serial_wifi *w)
{
    const char *ssid = w->cred[w->next].ssid;
    return w->air ? radio_find(w->air, (const uint8_t *)ssid, strlen(ssid)) : NULL;
}

/* The console's numbers: 0 unsecured, 1 WEP, 2 WPA, 3 WPA2. */
static int security_code(serial_wifi *w)
{
    const radio_ap *ap = target(w);
    if (!ap)
        return w->cred[w->next].password[0] ? 3 : 0;
    switch (ap->security) {
    case WIFI_OPEN: return 0;
    case WIFI_WEP: return 1;
    case WIFI_WPA: return 2;
    default: return 3;
    }
}

static void finish(serial_wifi *w, serial_wifi_state st)
{
    w->state = st;
    w->in_dialog = false;
    clock_disarm(&mach(w)->clock, &w->tick);
}

static bool ends_with(const serial_wifi *w, const char *s)
{
    size_t k = strlen(s);
    return w->outn >= k && !memcmp(w->out + w->outn - k, s, k);
}

/* Look at the console's output for a prompt to answer. */
static void prompts(serial_wifi *w)
{
    w->out[w->outn] = '\0';
    const char *c = w->cred[w->next].ssid;
    if (ends_with(w, "SSID: ")) {
        w->prompted = true;
        answer(w, c);
    } else if (strstr(w->out, "Security Cipher") && ends_with(w, ": ")) {
        answer(w, security_code(w) == 2 ? "2" : "1"); /* WPA: TKIP, WPA2: AES */
        if (security_code(w) == 0) /* the console asks an open network's cipher too */
            note(w, "'%s' is open, but the console wants a cipher: it stores open + AES, which "
                    "Device OS's Wi-Fi driver does not join (the soft AP setup can give an open "
                    "network)", c);
    } else if (strstr(w->out, "Security 0=unsecured") && ends_with(w, ": ")) {
        char n[2] = {(char)('0' + security_code(w)), 0};
        answer(w, n);
    } else if (ends_with(w, "Password: ")) {
        answer(w, w->cred[w->next].password);
    } else if (strstr(w->out, "<3 you!")) {
        w->outn = 0;
        w->in_dialog = false;
        w->listening = false; /* the next one when it is back in listening mode */
        note(w, "Wi-Fi credentials for '%s' given on the USB serial", c);
        if (++w->next == w->n)
            finish(w, SERIAL_WIFI_DONE);
        w->outside = 0;
    } else if (strstr(w->out, "Derp")) {
        w->outn = 0;
        finish(w, SERIAL_WIFI_FAILED);
        note(w, "the firmware could not save the Wi-Fi credentials for '%s'", c);
    }
}

static void receive(void *opaque, const uint8_t *buf, size_t len)
{
    serial_wifi *w = opaque;
    if (!w->in_dialog || w->state != SERIAL_WIFI_RUNNING)
        return;
    for (size_t i = 0; i < len; i++) {
        if (w->outn == TAIL - 1) { /* keep the newer half */
            memmove(w->out, w->out + TAIL / 2, TAIL / 2 - 1);
            w->outn = TAIL / 2 - 1;
        }
        w->out[w->outn++] = (char)buf[i];
        prompts(w);
        if (!w->in_dialog)
            break;
    }
}

static const chardev_backend_ops console_ops = {.receive = receive};

static bool is_listening(const led_pattern *p)
{
    return p->kind == LP_BLINK && !strcmp(p->color, "blue");
}

static void on_pattern(void *ctx, uint64_t since, uint64_t seen, const led_pattern *p)
{
    (void)since;
    (void)seen;
    serial_wifi *w = ctx;
    w->listening = is_listening(p);
    if (w->state == SERIAL_WIFI_RUNNING && w->listening && !w->in_dialog && w->cd->connected)
        kick(w);
}

static void release_setup(void *arg)
{
    serial_wifi *w = arg;
    w->holding = false;
    photon_setup_button(w->s->p, false);
}

static void tick(void *arg)
{
    serial_wifi *w = arg;
    machine *m = mach(w);
    uint64_t now = machine_now(m);
    /* no prompt after `w`: not listening (any more); none after an answer:
     * the device reset or left the dialog. Start again. */
    uint64_t wait = (uint64_t)(w->prompted ? DIALOG_WAIT_S : PROMPT_WAIT_S) * PS_PER_S;
    if (w->in_dialog && now - w->w_at >= wait)
        w->in_dialog = false;
    if (!w->in_dialog && !w->holding) {
        if (w->listening && w->cd->connected) {
            kick(w);
        } else if (w->cd->connected && ++w->outside >= OUTSIDE_S) {
            w->outside = 0;
            w->holding = true;
            note(w, "holding SETUP for 3 s: the device is not in listening mode");
            photon_setup_button(w->s->p, true);
            clock_arm(&m->clock, &w->release, now + SETUP_HOLD_PS);
        }
    }
    if (w->state == SERIAL_WIFI_RUNNING)
        clock_arm(&m->clock, &w->tick, now + TICK_PS);
}

serial_wifi *serial_wifi_new(session *s, chardev *usb, const radio *air,
                             serial_wifi_note_fn note_fn, void *ctx)
{
    serial_wifi *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->s = s;
    w->cd = usb;
    w->air = air;
    w->note = note_fn;
    w->ctx = ctx;
    clock_event_init(&w->tick, "serial-wifi", tick, w);
    clock_event_init(&w->release, "serial-wifi-setup", release_setup, w);
    return w;
}

void serial_wifi_free(serial_wifi *w)
{
    if (!w)
        return;
    machine *m = mach(w);
    clock_disarm(&m->clock, &w->tick);
    clock_disarm(&m->clock, &w->release);
    if (w->holding)
        photon_setup_button(w->s->p, false);
    ledc_unlisten(&w->s->pattern, w);
    if (w->attached)
        chardev_detach(w->cd, w);
    if (w->opened)
        chardev_host_event(w->cd, false);
    free(w);
}

int serial_wifi_add(serial_wifi *w, const char *spec, char *err, size_t errlen)
{
    if (w->n == SERIAL_WIFI_MAX) {
        snprintf(err, errlen, "at most %d Wi-Fi credentials (a Photon keeps %d)",
                 SERIAL_WIFI_MAX, SERIAL_WIFI_MAX);
        return -1;
    }
    if (softap_setup_parse(spec, w->cred[w->n].ssid, w->cred[w->n].password, err, errlen))
        return -1;
    w->n++;
    return 0;
}

void serial_wifi_start(serial_wifi *w)
{
    if (w->n == 0 || w->state == SERIAL_WIFI_RUNNING)
        return;
    if (!w->attached && chardev_attach(w->cd, &console_ops, w) == 0)
        w->attached = true;
    if (!w->opened) {
        w->opened = true;
        chardev_set_control(w->cd, CHARDEV_DTR | CHARDEV_RTS);
        chardev_host_event(w->cd, true);
        ledc_listen(&w->s->pattern, on_pattern, w);
    }
    w->state = SERIAL_WIFI_RUNNING;
    w->listening = is_listening(&w->s->pattern.cur);
    snprintf(w->msg, sizeof(w->msg), "waiting for listening mode");
    clock_arm(&mach(w)->clock, &w->tick, machine_now(mach(w)) + TICK_PS);
}

serial_wifi_state serial_wifi_get_state(const serial_wifi *w) { return w->state; }
const char *serial_wifi_message(const serial_wifi *w) { return w->msg; }
int serial_wifi_saved(const serial_wifi *w) { return w->next; }
