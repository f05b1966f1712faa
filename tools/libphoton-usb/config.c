/* Configuration descriptors, parsed by libusb's rules (shim.h): interface
 * descriptors grouped by number into alternate settings, descriptors of
 * other types kept in the preceding element's `extra` (the DFU functional
 * descriptor ends up in the last alternate setting's extra, where dfu-util
 * looks for it). */
#include "shim.h"

#include <stdlib.h>
#include <string.h>

static bool is_boundary(uint8_t type)
{
    return type == 2 || type == 4 || type == 5 || type == 1; /* config, interface, endpoint, device */
}

/* The bytes from p up to the next boundary descriptor. */
static int extra_span(const uint8_t *b, int len, int p)
{
    int q = p;
    while (q + 2 <= len && b[q] >= 2 && q + b[q] <= len && !is_boundary(b[q + 1]))
        q += b[q];
    return q - p;
}

static unsigned char *dup_bytes(const uint8_t *b, int n)
{
    if (n <= 0)
        return NULL;
    unsigned char *x = malloc((size_t)n);
    if (x)
        memcpy(x, b, (size_t)n);
    return x;
}

API void libusb_free_config_descriptor(struct libusb_config_descriptor *cfg)
{
    if (!cfg)
        return;
    for (int i = 0; i < cfg->bNumInterfaces && cfg->interface; i++) {
        const struct libusb_interface *it = &cfg->interface[i];
        for (int a = 0; a < it->num_altsetting; a++) {
            const struct libusb_interface_descriptor *alt = &it->altsetting[a];
            for (int e = 0; e < alt->bNumEndpoints && alt->endpoint; e++)
                free((void *)alt->endpoint[e].extra);
            free((void *)alt->endpoint);
            free((void *)alt->extra);
        }
        free((void *)it->altsetting);
    }
    free((void *)cfg->interface);
    free((void *)cfg->extra);
    free(cfg);
}

API int libusb_get_config_descriptor(libusb_device *dev, uint8_t index,
                                     struct libusb_config_descriptor **config)
{
    if (index >= dev->nconfigs)
        return LIBUSB_ERROR_NOT_FOUND;
    const uint8_t *b = dev->config[index];
    int len = dev->config_len[index];
    if (len < 9 || b[0] < 9)
        return LIBUSB_ERROR_IO;
    struct libusb_config_descriptor *cfg = calloc(1, sizeof(*cfg));
    if (!cfg)
        return LIBUSB_ERROR_NO_MEM;
    cfg->bLength = b[0];
    cfg->bDescriptorType = b[1];
    cfg->wTotalLength = (uint16_t)(b[2] | b[3] << 8);
    cfg->bConfigurationValue = b[5];
    cfg->iConfiguration = b[6];
    cfg->bmAttributes = b[7];
    cfg->MaxPower = b[8];
    int p = b[0];
    int ex = extra_span(b, len, p);
    cfg->extra = dup_bytes(b + p, ex);
    cfg->extra_length = ex;
    p += ex;
    struct libusb_interface *ifs = calloc(b[4] ? b[4] : 1, sizeof(*ifs));
    if (!ifs) {
        free(cfg);
        return LIBUSB_ERROR_NO_MEM;
    }
    cfg->interface = ifs;
    int nif = 0;
    for (; nif < b[4] && p + 9 <= len; nif++) {
        if (b[p + 1] != 4 || b[p] < 9)
            break;
        uint8_t number = b[p + 2];
        struct libusb_interface_descriptor *alts = NULL;
        int nalt = 0;
        while (p + 9 <= len && b[p] >= 9 && b[p + 1] == 4 && b[p + 2] == number) {
            struct libusb_interface_descriptor *g =
                realloc(alts, (size_t)(nalt + 1) * sizeof(*alts));
            if (!g)
                break;
            alts = g;
            struct libusb_interface_descriptor *a = &alts[nalt++];
            memset(a, 0, sizeof(*a));
            a->bLength = b[p];
            a->bDescriptorType = b[p + 1];
            a->bInterfaceNumber = b[p + 2];
            a->bAlternateSetting = b[p + 3];
            a->bInterfaceClass = b[p + 5];
            a->bInterfaceSubClass = b[p + 6];
            a->bInterfaceProtocol = b[p + 7];
            a->iInterface = b[p + 8];
            uint8_t neps = b[p + 4];
            p += b[p];
            ex = extra_span(b, len, p);
            a->extra = dup_bytes(b + p, ex);
            a->extra_length = ex;
            p += ex;
            struct libusb_endpoint_descriptor *eps = neps ? calloc(neps, sizeof(*eps)) : NULL;
            int ne = 0;
            while (eps && ne < neps && p + 7 <= len && b[p] >= 7 && b[p + 1] == 5) {
                struct libusb_endpoint_descriptor *e = &eps[ne++];
                e->bLength = b[p];
                e->bDescriptorType = 5;
                e->bEndpointAddress = b[p + 2];
                e->bmAttributes = b[p + 3];
                e->wMaxPacketSize = (uint16_t)(b[p + 4] | b[p + 5] << 8);
                e->bInterval = b[p + 6];
                if (b[p] >= 9) {
                    e->bRefresh = b[p + 7];
                    e->bSynchAddress = b[p + 8];
                }
                p += b[p];
                ex = extra_span(b, len, p);
                e->extra = dup_bytes(b + p, ex);
                e->extra_length = ex;
                p += ex;
            }
            a->endpoint = eps;
            a->bNumEndpoints = (uint8_t)ne;
        }
        ifs[nif].altsetting = alts;
        ifs[nif].num_altsetting = nalt;
    }
    cfg->bNumInterfaces = (uint8_t)nif;
    *config = cfg;
    return 0;
}

API int libusb_get_active_config_descriptor(libusb_device *dev,
                                            struct libusb_config_descriptor **config)
{
    /* the host set the first configuration when it enumerated the device */
    return libusb_get_config_descriptor(dev, 0, config);
}

API int libusb_get_config_descriptor_by_value(libusb_device *dev, uint8_t value,
                                              struct libusb_config_descriptor **config)
{
    for (int i = 0; i < dev->nconfigs; i++)
        if (dev->config_len[i] >= 9 && dev->config[i][5] == value)
            return libusb_get_config_descriptor(dev, (uint8_t)i, config);
    return LIBUSB_ERROR_NOT_FOUND;
}
