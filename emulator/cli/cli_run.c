/* photon-sim run: boot the emulated Photon and report what its LED does.
 * The options are in run_options.c; here: open the device, attach the
 * outputs and host services, run, report. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gdbstub.h"
#include "module.h"
#include "photon_serial.h"
#include "cli_cloud.h"
#include "cloud_link.h"
#include "run_options.h"
#include "serial_info.h"
#include "usbip.h"
#include "world.h"

typedef struct run_ctx {
    run_opts o;
    world w;
    world_device *dev;
    session *s;
    bool seen;
    uint64_t seen_at;
    int pattern_count;
    bool d7_on;
    clock_event release_setup;
    /* outputs and services, closed at the end */
    FILE *logf, *ledf, *tracef;
    photon_serial ser;  /* USART1 and the USB serial, routed */
    serial_info info;   /* the USB serial described for `photon-sim usb` */
    gdbstub *gdb;
    usb_link *usb;
    serial_wifi *wifi;  /* --wifi: credentials on the USB serial */
    view *view;
    cloud_link cloud;
    char cloud_store[4096], cloud_key[4096];
} run_ctx;

static void print_time(uint64_t ps)
{
    printf("[%10.3f s] ", (double)ps / PS_PER_S);
}

static void on_pattern(void *ctx, uint64_t since, uint64_t seen, const led_pattern *p)
{
    run_ctx *r = ctx;
    char buf[96];
    r->pattern_count++;
    if (!r->o.quiet) {
        print_time(since);
        printf("LED %s\n", led_pattern_str(p, buf, sizeof(buf)));
        fflush(stdout);
    }
    if (r->o.until && !r->seen && led_pattern_match(&r->o.want, p)) {
        r->seen = true;
        r->seen_at = seen;
        r->w.r.stop = true;
        machine_request_stop(r->s->p->m, STOP_REQUEST);
    }
}

/* The small blue LED on D7: a line when it goes on or off. */
static void on_d7(void *ctx, uint64_t t, const uint8_t rgb[3])
{
    run_ctx *r = ctx;
    bool on = rgb[0] || rgb[1] || rgb[2];
    if (on == r->d7_on)
        return;
    r->d7_on = on;
    if (!r->o.quiet) {
        print_time(t);
        printf("D7 LED %s\n", on ? "on" : "off");
        fflush(stdout);
    }
}

static void on_reset(void *ctx, reset_kind kind)
{
    run_ctx *r = ctx;
    if (!r->o.quiet && kind != RESET_POWER_ON) {
        print_time(machine_now(r->s->p->m));
        printf("reset (%s)\n", reset_kind_name(kind));
        fflush(stdout);
    }
}

static void release_setup(void *arg)
{
    run_ctx *r = arg;
    photon_setup_button(r->s->p, false);
}

static void describe_flash(run_ctx *r)
{
    char id[25];
    printf("photon-sim: device %s, state %s%s\n", photon_device_id(r->s->p, id),
           r->s->state_path, r->s->save ? "" : " (not saved)");
    printf("  flash:");
    int n = 0;
    for (int i = 0; i < photon_nlayout; i++) {
        const photon_area *a = &photon_layout[i];
        module_info mi;
        if ((a->flags & (AREA_MODULE | AREA_COPY)) != AREA_MODULE ||
            module_parse_flash(photon_flash(r->s->p), STM32F205_FLASH_SIZE, STM32F205_FLASH_BASE,
                               a->lo, &mi))
            continue;
        printf("%s %s%s%u v%u%s", n++ ? "," : "", module_func_name(mi.func),
               mi.func == MODULE_FUNC_SYSTEM ? "-part" : "",
               mi.func == MODULE_FUNC_SYSTEM ? mi.index : 0, mi.version,
               mi.crc_ok ? "" : " (bad CRC)");
    }
    printf("%s\n", n ? "" : " empty");
}

static FILE *open_out(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return f;
}

/* Logs, the LED trace, execution traces. */
static int open_outputs(run_ctx *r, char *err, size_t errlen)
{
    run_opts *o = &r->o;
    photon *p = r->s->p;
    machine *m = p->m;
    m->log.mask = o->logmask;
    if (o->logfile && !(m->log.out = r->logf = open_out(o->logfile, err, errlen))) {
        m->log.out = stderr;
        return -1;
    }
    if (r->logf) /* a line at a time, for `tail -f` and whoever reads a pipe */
        setvbuf(r->logf, NULL, _IOLBF, 0);
    if (o->led_trace) {
        if (!(r->ledf = open_out(o->led_trace, err, errlen)))
            return -1;
        led_set_trace(&p->led, r->ledf);
    }
    if (tracer_active(&o->tr)) {
        if (o->trace_file && !(r->tracef = open_out(o->trace_file, err, errlen)))
            return -1;
        if (tracer_start(&o->tr, m, r->tracef ? r->tracef : stderr, err, errlen))
            return -1;
    }
    return 0;
}

/* The images a new default device gets, or those asked for. */
static int load_images(run_ctx *r, char *err, size_t errlen)
{
    run_opts *o = &r->o;
    if (!r->s->existed && !o->so.fresh && o->nwrites == 0) {
        for (int i = 0; session_default_images[i]; i++)
            if (session_load_module(r->s, session_default_images[i], o->force, err, errlen))
                return -1;
        return 0;
    }
    /* in command-line order: a --raw after a --load patches it, before it is
     * overwritten by it */
    for (int i = 0; i < o->nwrites; i++)
        if (o->writes[i].raw ? session_load_raw(r->s, o->writes[i].arg, err, errlen)
                             : session_load_module(r->s, o->writes[i].arg, o->force, err,
                                                   errlen))
            return -1;
    return 0;
}

/* The gdb server, on the device named in --gdb. */
static int start_gdb(run_ctx *r, char *err, size_t errlen)
{
    run_opts *o = &r->o;
    if (!o->gdb_spec && !o->gdb_wait)
        return 0;
    world_device *d = r->dev;
    const char *spec =
        o->gdb_spec ? world_service_arg(&r->w, o->gdb_spec, &d, err, errlen) : "3333";
    if (!spec)
        return -1;
    if (!(r->gdb = gdbstub_new(d->s.p->m))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return gdbstub_listen(r->gdb, spec, err, errlen);
}

/* USART1's route, the USB cable with its host, the CDC-ACM driver, the USB
 * serial's route and the USB/IP server. Prints the ptys. */
static int start_ports(run_ctx *r, char *err, size_t errlen)
{
    run_opts *o = &r->o;
    runner *rn = &r->w.r;
    photon *p = r->s->p;
    char msg[1024];
    serial_pty *pty;
    int n = snprintf(err, errlen, "--usart1: ");
    if (photon_serial_route(&r->ser, r->ser.usart1, rn, o->usart, NULL, &pty, err + n,
                            errlen - n))
        return -1;
    err[0] = '\0';
    if (pty)
        printf("USART1: %s\n", serial_pty_path(pty));
    if (o->no_usb)
        return 0;
    usb_link_opts uo = {.bind = o->usbip_bind, .port = o->usbip_port,
                        .announce = !o->quiet && o->usbip_port >= 0};
    if (!(r->usb = usb_link_start(rn, p->m, &p->soc.otg.port, &uo, err, errlen)))
        return -1;
    if (!strcmp(o->usb_serial, "none"))
        return 0;
    photon_serial_attach_usb(&r->ser, &r->usb->host);
    n = snprintf(err, errlen, "--usb-serial: ");
    if (photon_serial_route(&r->ser, &r->ser.usb, rn, o->usb_serial, o->serial_link, &pty,
                            err + n, errlen - n))
        return -1;
    err[0] = '\0';
    if (pty && o->usbip_port >= 0 &&
        serial_info_start(&r->info, &r->ser.usb, &r->usb->host, usb_link_port(r->usb),
                          serial_pty_path(pty), msg, sizeof(msg)))
        fprintf(stderr, "photon-sim run: %s (`photon-sim usb` will not list the serial port)\n",
                msg);
    if (pty && o->serial_link)
        printf("USB serial: %s (link %s)\n", serial_pty_path(pty), o->serial_link);
    else if (pty)
        printf("USB serial: %s\n", serial_pty_path(pty));
    fflush(stdout);
    return 0;
}

static void on_wifi_note(void *ctx, const char *msg)
{
    run_ctx *r = ctx;
    if (r->o.quiet)
        return;
    print_time(machine_now(r->s->p->m));
    printf("Wi-Fi: %s\n", msg);
    fflush(stdout);
}

/* --wifi: the credentials, typed into the listening-mode console. */
static int start_wifi(run_ctx *r, char *err, size_t errlen)
{
    run_opts *o = &r->o;
    if (!o->nwifi)
        return 0;
    if (!(r->wifi = serial_wifi_new(r->s, &r->ser.usb, o->so.air, on_wifi_note, r))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < o->nwifi; i++)
        if (serial_wifi_add(r->wifi, o->wifi[i], err, errlen))
            return -1;
    serial_wifi_start(r->wifi);
    return 0;
}

/* The networks' forwards, printed. */
static int start_net(run_ctx *r, char *err, size_t errlen)
{
    return netenv_start(&r->w.net, r->o.air.ap[0].ssid, !r->o.quiet, err, errlen);
}

/* The ports, the window. */
static int start_services(run_ctx *r, char *err, size_t errlen)
{
    run_opts *o = &r->o;
    runner *rn = &r->w.r;
    rn->realtime = o->realtime;
    rn->speed = o->speed;
    if (o->realtime)
        rn->slice_ps = 10 * PS_PER_MS;
    if (start_ports(r, err, errlen) || start_net(r, err, errlen) || start_wifi(r, err, errlen))
        return -1;
    return view_start(&r->view, &o->vo, r->s, rn, o->until || o->timeout >= 0, err, errlen);
}

/* The result line and the exit status. */
static int report(run_ctx *r, stop_reason why, double wall)
{
    run_opts *o = &r->o;
    machine *m = r->s->p->m;
    if (o->stats) {
        cpu_state *c = &m->cpu;
        double virt = (double)machine_now(m) / PS_PER_S;
        printf("photon-sim: %.3f s of virtual time in %.3f s (%.2fx real time); "
               "%.1f M instructions, %.1f MIPS; %.3f s skipped idle; %llu exceptions\n",
               virt, wall, wall > 0 ? virt / wall : 0, (double)c->insns / 1e6,
               wall > 0 ? (double)c->insns / 1e6 / wall : 0, (double)c->idle_ps / PS_PER_S,
               (unsigned long long)c->exceptions);
    }
    int rc = EXIT_OK;
    if (view_finish(r->view) < 0)
        rc = EXIT_USAGE;
    else if (why == STOP_ERROR)
        rc = EXIT_INTERNAL;
    else if (r->gdb && gdbstub_killed(r->gdb))
        rc = EXIT_OK;
    else if (runner_interrupted())
        rc = 130;
    else if (o->until && !r->seen)
        rc = EXIT_NOT_SEEN;
    char buf[96], buf2[96];
    const led_pattern *cur = &r->s->pattern.cur;
    double now = (double)machine_now(m) / PS_PER_S;
    if (r->s->power_lost)
        printf("photon-sim: power lost at %.3f s; the state file keeps the flash as it was "
               "(run again to power the device on)\n",
               (double)r->s->power_lost_at / PS_PER_S);
    if (o->until && r->seen)
        printf("photon-sim: saw \"%s\" at %.3f s\n", led_pattern_str(cur, buf, sizeof(buf)),
               (double)r->seen_at / PS_PER_S);
    else if (o->until)
        printf("photon-sim: did not see \"%s\" in %.3f s of virtual time; last LED pattern: %s\n",
               led_pattern_str(&o->want, buf, sizeof(buf)), now,
               r->pattern_count ? led_pattern_str(cur, buf2, sizeof(buf2)) : "none");
    else if (!o->quiet)
        printf("photon-sim: stopped at %.3f s of virtual time\n", now);
    if (r->wifi && serial_wifi_get_state(r->wifi) != SERIAL_WIFI_DONE)
        fprintf(stderr, "photon-sim run: --wifi: %d of %d credentials given (%s)\n",
                serial_wifi_saved(r->wifi), o->nwifi, serial_wifi_message(r->wifi));
    return rc;
}

/* --cloud: the local cloud in this process, with the store, key and token
 * of `photon-sim cloud`, and the device pointed at it. */
static int start_cloud(run_ctx *r, char *err, size_t errlen)
{
    run_opts *o = &r->o;
    cloud_options co = {
        .api_port = o->cloud_api_port < 0 ? 8080 : o->cloud_api_port,
        .device_port = o->cloud_port < 0 ? 5683 : o->cloud_port,
        .store_path = cloud_default_file("cloud.db", r->cloud_store, sizeof(r->cloud_store)),
        .key_path = cloud_default_file("cloud-key.pem", r->cloud_key, sizeof(r->cloud_key)),
        .log = o->quiet ? NULL : stderr,
    };
    if (state_make_dir(co.store_path) || state_make_dir(co.key_path)) {
        snprintf(err, errlen, "cannot create the directory of %s: %s", co.store_path,
                 strerror(errno));
        return -1;
    }
    /* the Cloud: line comes first, then what provisioning says */
    if (cloud_link_start(&r->cloud, &co, r->s->p, &r->w.net, &r->w.r, o->quiet, err, errlen))
        return -1;
    printf("Cloud: api %s, token %s, devices 127.0.0.1:%d (the device's %s:5683)\n",
           cloud_api_url(r->cloud.c), cloud_token(r->cloud.c), cloud_device_port(r->cloud.c),
           CLOUD_DEVICE_HOST);
    fflush(stdout);
    cloud_link_provision(&r->cloud);
    return 0;
}

/* Open, load, attach; then power on and run. */
static int run(run_ctx *r, char *err, size_t errlen)
{
    run_opts *o = &r->o;
    if (open_outputs(r, err, errlen) || start_gdb(r, err, errlen) ||
        load_images(r, err, errlen))
        return EXIT_USAGE;
    photon *p = r->s->p;
    machine *m = p->m;
    photon_serial_init(&r->ser, p);
    ledc_listen(&r->s->pattern, on_pattern, r);
    led_listen(&p->d7, on_d7, r);
    machine_add_reset_hook(m, on_reset, r);
    clock_event_init(&r->release_setup, "setup-release", release_setup, r);
    if (o->cloud && start_cloud(r, err, errlen)) {
        fprintf(stderr, "photon-sim run: --cloud: %s\n", err);
        return EXIT_INTERNAL;
    }
    if (o->hold_setup >= 0)
        photon_setup_button(p, true);
    world_power_on(&r->w);
    r->w.power_loss_stops = true;
    if (o->power_loss.effect)
        fault_arm(r->s, &o->power_loss);
    if (o->stuck.effect)
        fault_arm(r->s, &o->stuck);
    if (o->brownout.given)
        fault_at(r->s, FAULT_BROWNOUT, o->brownout.after_ps, 1);
    if (o->iwdg_expire.given)
        fault_at(r->s, FAULT_IWDG_EXPIRE, o->iwdg_expire.after_ps, o->iwdg_expire.times);
    if (o->hold_setup >= 0)
        clock_arm(&m->clock, &r->release_setup,
                  machine_now(m) + (uint64_t)(o->hold_setup * PS_PER_S));
    if (!o->quiet)
        describe_flash(r);
    if (start_services(r, err, errlen))
        return EXIT_USAGE;
    double wall0 = wall_seconds();
    if (r->gdb) {
        gdbstub_attach(r->gdb, &r->w.r, o->gdb_wait);
        fprintf(stderr, "photon-sim: gdb: listening on %s:%d%s\n", gdbstub_addr(r->gdb),
                gdbstub_port(r->gdb),
                o->gdb_wait ? ", the core waits at reset for a debugger" : "");
        fflush(stderr);
    }
    uint64_t deadline = o->timeout < 0 ? UINT64_MAX : (uint64_t)(o->timeout * PS_PER_S);
    stop_reason why = world_run(&r->w, deadline);
    int rc = report(r, why, wall_seconds() - wall0);
    if (world_save(&r->w, err, errlen)) {
        fprintf(stderr, "photon-sim run: %s\n", err);
        if (rc == EXIT_OK)
            rc = EXIT_INTERNAL;
    }
    return rc;
}

static void close_all(run_ctx *r, int rc)
{
    view_free(r->view);
    cloud_link_stop(&r->cloud);
    serial_wifi_free(r->wifi);
    serial_info_stop(&r->info);
    photon_serial_free(&r->ser);
    usb_link_free(r->usb);
    if (r->gdb) {
        gdbstub_finish(r->gdb, rc);
        gdbstub_free(r->gdb);
    }
    tracer_finish(&r->o.tr);
    if (r->tracef)
        fclose(r->tracef);
    if (r->ledf)
        fclose(r->ledf);
    world_close(&r->w);
    if (r->logf)
        fclose(r->logf);
}

int cmd_run(int argc, char **argv)
{
    static run_ctx r;
    memset(&r, 0, sizeof(r));
    int rc = run_parse(argc, argv, &r.o);
    if (rc >= 0) {
        run_opts_free(&r.o);
        return rc;
    }
    char err[1024] = "";
    world_init(&r.w);
    if (!(r.dev = world_add(&r.w, "photon", &r.o.so, err, sizeof(err)))) {
        fprintf(stderr, "photon-sim run: %s\n", err);
        run_opts_free(&r.o);
        return EXIT_USAGE;
    }
    r.s = &r.dev->s;
    if (netenv_apply(&r.w.net, netenv_device(&r.w.net, NULL), &r.o.net, err, sizeof(err))) {
        fprintf(stderr, "photon-sim run: %s\n", err);
        world_close(&r.w);
        run_opts_free(&r.o);
        return EXIT_USAGE;
    }
    rc = run(&r, err, sizeof(err));
    if (rc == EXIT_USAGE && err[0])
        fprintf(stderr, "photon-sim run: %s\n", err);
    close_all(&r, rc);
    run_opts_free(&r.o);
    return rc;
}
