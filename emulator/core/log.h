/* Diagnostic output by category, chosen with --log. Everything goes to one
 * stream (stderr unless --log-file). */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum {
    LOG_UNIMP = 1u << 0, /* unimplemented registers, once each */
    LOG_EXC = 1u << 1,   /* exception entry / return */
    LOG_MMIO = 1u << 2,  /* every register access */
    LOG_GUEST = 1u << 3, /* guest errors: faults, bad sequences */
    LOG_RESET = 1u << 4, /* resets and their cause */
    LOG_FLASH = 1u << 5, /* flash erase / program */
    LOG_LED = 1u << 6,   /* every LED change */
    LOG_INFO = 1u << 7,  /* run progress, on by default */
    LOG_USB = 1u << 8,   /* USB bus: attach, reset, transfers, USB/IP */
    LOG_WIFI = 1u << 9,  /* the Wi-Fi chip: power, firmware, ioctls, events, frames */
    LOG_NET = 1u << 10,  /* networks behind the access points: links, forwards, libslirp */
    LOG_CLOUD = 1u << 11, /* a local cloud in the process: every protocol step and message */
};

typedef struct logger {
    unsigned mask;
    FILE *out;
    /* (address, direction) pairs already reported as unimplemented */
    uint32_t *unimp_seen;
    size_t unimp_n, unimp_cap;
} logger;

void log_init(logger *l);
void log_free(logger *l);
/* Parse "unimp,exc,mmio" into a mask; returns false on an unknown name. */
bool log_parse(const char *spec, unsigned *mask, const char **bad);
const char *log_categories(void);

__attribute__((format(printf, 3, 4))) void log_msg(logger *l, unsigned cat,
                                                   const char *fmt, ...);
static inline bool log_on(const logger *l, unsigned cat)
{
    return (l->mask & cat) != 0;
}
/* True the first time (addr, is_write) is seen. */
bool log_unimp_first(logger *l, uint32_t addr, bool is_write);

#endif
