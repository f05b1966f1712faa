/* Scenario steps for the networks behind the access points:
 *   network   faults on the network behind an access point (slirpnet.h):
 *             down, DHCP unanswered, DNS unanswered or failing, lost or
 *             delayed frames; what the firmware does about them is for the
 *             LED and serial steps that follow to check. Taking the access
 *             point itself away or changing its password is `wifi-ap`. */
#include <stdio.h>
#include <string.h>

#include "scenario_internal.h"

typedef struct net_step {
    const char *ap; /* NULL: the device's network, or the first AP's */
    bool has_down, down, has_dhcp, has_dns, has_loss, has_delay;
    int dhcp, dns;
    long loss;
    uint64_t delay;
} net_step;

static const char *const dhcp_names[] = {"ok", "drop", NULL};
static const char *const dns_names[] = {"ok", "drop", "servfail", "nxdomain", NULL};

static bool parse_network(scn_args *a, scn_step *st)
{
    net_step *n = scn_alloc(a, sizeof(*n));
    st->data = n;
    bool ok = scn_arg_str(a, "ap", false, &n->ap);
    if ((n->has_down = scn_arg_has(a, "down")))
        ok &= scn_arg_bool(a, "down", true, &n->down);
    if ((n->has_dhcp = scn_arg_has(a, "dhcp")))
        ok &= scn_arg_enum(a, "dhcp", true, dhcp_names, &n->dhcp);
    if ((n->has_dns = scn_arg_has(a, "dns")))
        ok &= scn_arg_enum(a, "dns", true, dns_names, &n->dns);
    if ((n->has_loss = scn_arg_has(a, "loss")))
        ok &= scn_arg_int(a, "loss", true, 0, 100, &n->loss);
    if ((n->has_delay = scn_arg_has(a, "delay")))
        ok &= scn_arg_duration(a, "delay", true, &n->delay);
    if (ok && !(n->has_down || n->has_dhcp || n->has_dns || n->has_loss || n->has_delay))
        return scn_arg_error(a, 0, "nothing to change (down, dhcp, dns, loss, delay)");
    return ok;
}

static scn_status run_network(scn *s, scn_step *st)
{
    net_step *n = st->data;
    netenv *e = scn_net(s);
    netenv_dev *d = netenv_device(e, NULL);
    const radio *air = scn_radio(s);
    char err[256] = "";
    slirpnet *net = NULL;
    if (n->ap)
        net = radio_find(air, (const uint8_t *)n->ap, strlen(n->ap)) ? netenv_lan(e, n->ap, err, sizeof(err)) : NULL;
    else if (d && d->sta_on)
        net = d->sta_on;
    else if (air->n)
        net = netenv_lan(e, air->ap[0].ssid, err, sizeof(err));
    if (!net) {
        scn_expected(s, "a network behind access point '%s'", n->ap ? n->ap : "(any)");
        scn_seen(s, "%s", err[0] ? err : "no such access point");
        return SCN_FAIL;
    }
    slirpnet_faults f = *slirpnet_get_faults(net);
    if (n->has_down)
        f.down = n->down;
    if (n->has_dhcp)
        f.dhcp_drop = n->dhcp == 1;
    if (n->has_dns)
        f.dns = (slirpnet_dns_fault)n->dns;
    if (n->has_loss)
        f.loss_pct = (unsigned)n->loss;
    if (n->has_delay)
        f.delay_ps = n->delay;
    slirpnet_set_faults(net, &f);
    scn_event(s, "network '%s': %s, DHCP %s, DNS %s, %u%% lost, %.0f ms delay",
              slirpnet_cfg(net)->name, f.down ? "down" : "up", dhcp_names[f.dhcp_drop],
              dns_names[f.dns], f.loss_pct, (double)f.delay_ps / PS_PER_MS);
    return SCN_PASS;
}

const scn_step_type scn_step_network = {
    .name = "network",
    .keys = "ap down dhcp dns loss delay",
    .main_key = NULL,
    .summary = "faults on the network behind access point `ap` (default: the one the device "
               "is on, else the first): `down: true` (carrier lost), `dhcp: drop|ok`, `dns: "
               "drop|servfail|nxdomain|ok`, `loss` (percent of frames, each way), `delay` "
               "(one way, e.g. 200ms); keys not given stay as they are",
    .parse = parse_network,
    .run = run_network,
};
