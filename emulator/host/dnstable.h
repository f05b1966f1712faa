/* The DNS override table (`--dns NAME=ADDR`): names the network answers
 * itself instead of asking the host's resolver, so that a test can point
 * the cloud's domain at a server on the host without touching the
 * firmware. A name is matched without regard to case; "*.example.com"
 * matches every name below example.com (not example.com itself).
 *
 * dns_answer() builds the reply to a DNS query message: an A record for a
 * name in the table, an empty answer for other types of such a name, or an
 * error code for every name (a DNS fault). */
#ifndef PHOTON_DNSTABLE_H
#define PHOTON_DNSTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX 253
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_ANSWER_TTL 60 /* seconds */

typedef struct dns_entry {
    char name[DNS_NAME_MAX + 1]; /* lower case; "*.x" for a wildcard */
    uint32_t addr;               /* IPv4, host byte order */
} dns_entry;

typedef struct dnstable {
    dns_entry *e;
    int n, cap;
} dnstable;

void dnstable_init(dnstable *t);
void dnstable_free(dnstable *t);
/* Add "NAME=ADDR" (ADDR a dotted IPv4 address). A name given again gets
 * the new address. Returns 0, or -1 with a message naming what is wrong. */
int dnstable_add_spec(dnstable *t, const char *spec, char *err, size_t errlen);
/* The entry for a name (as it appears in a query, any case), or NULL. */
const dns_entry *dnstable_lookup(const dnstable *t, const char *name);

/* The reply to the DNS query message `q`. With `rcode` 0 only names in the
 * table are answered; otherwise every query gets that error code. Returns
 * the reply's length, 0 when the query is not ours to answer (a name not in
 * the table, not a standard query), -1 when the message is malformed. */
int dns_answer(const dnstable *t, const uint8_t *q, size_t qlen, int rcode, uint8_t *out,
               size_t cap);

/* The question's name as text ("device.spark.io"); -1 when malformed.
 * `end` is set to the offset just after the question's type and class. */
int dns_question(const uint8_t *q, size_t qlen, char name[DNS_NAME_MAX + 1], uint16_t *qtype,
                 size_t *end);

#endif
