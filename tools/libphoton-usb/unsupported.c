/* The rest of libusb's API (shim.h): defined so that no call reaches
 * another libusb, answering LIBUSB_ERROR_NOT_SUPPORTED (NULL where a
 * pointer is returned). None of it applies to a full-speed device behind
 * USB/IP: hotplug events (programs fall back to listing devices again),
 * USB 3 streams and descriptors (BOS, SuperSpeed), device memory, raw I/O,
 * wrapping a system file descriptor. */
#include "shim.h"

#define UNSUPPORTED LIBUSB_ERROR_NOT_SUPPORTED

API int libusb_hotplug_register_callback(libusb_context *ctx, int events, int flags,
                                         int vendor_id, int product_id, int dev_class,
                                         void *cb_fn, void *user_data, int *handle)
{
    (void)ctx, (void)events, (void)flags, (void)vendor_id, (void)product_id, (void)dev_class;
    (void)cb_fn, (void)user_data, (void)handle;
    return UNSUPPORTED;
}

API void libusb_hotplug_deregister_callback(libusb_context *ctx, int handle)
{
    (void)ctx, (void)handle;
}

API void *libusb_hotplug_get_user_data(libusb_context *ctx, int handle)
{
    (void)ctx, (void)handle;
    return NULL;
}

API int libusb_wrap_sys_device(libusb_context *ctx, intptr_t sys_dev,
                               libusb_device_handle **dev_handle)
{
    (void)ctx, (void)sys_dev, (void)dev_handle;
    return UNSUPPORTED;
}

API int libusb_get_device_string(libusb_device *dev, int type, char *data, int length)
{
    (void)dev, (void)type, (void)data, (void)length;
    return UNSUPPORTED;
}

API int libusb_get_max_alt_packet_size(libusb_device *dev, int iface, int alt,
                                       unsigned char endpoint)
{
    (void)dev, (void)iface, (void)alt, (void)endpoint;
    return UNSUPPORTED;
}

/* ---- USB 3 streams, device memory, raw I/O ----------------------------- */

API int libusb_alloc_streams(libusb_device_handle *h, uint32_t num_streams,
                             unsigned char *endpoints, int num_endpoints)
{
    (void)h, (void)num_streams, (void)endpoints, (void)num_endpoints;
    return UNSUPPORTED;
}

API int libusb_free_streams(libusb_device_handle *h, unsigned char *endpoints, int num_endpoints)
{
    (void)h, (void)endpoints, (void)num_endpoints;
    return UNSUPPORTED;
}

API unsigned char *libusb_dev_mem_alloc(libusb_device_handle *h, size_t length)
{
    (void)h, (void)length;
    return NULL;
}

API int libusb_dev_mem_free(libusb_device_handle *h, unsigned char *buffer, size_t length)
{
    (void)h, (void)buffer, (void)length;
    return UNSUPPORTED;
}

API int libusb_endpoint_supports_raw_io(libusb_device_handle *h, uint8_t endpoint)
{
    (void)h, (void)endpoint;
    return UNSUPPORTED;
}

API int libusb_endpoint_set_raw_io(libusb_device_handle *h, uint8_t endpoint, int enable)
{
    (void)h, (void)endpoint, (void)enable;
    return UNSUPPORTED;
}

API int libusb_get_max_raw_io_transfer_size(libusb_device_handle *h, uint8_t endpoint)
{
    (void)h, (void)endpoint;
    return UNSUPPORTED;
}

/* ---- BOS, SuperSpeed and interface association descriptors ------------ */

API int libusb_get_bos_descriptor(libusb_device_handle *h, void **bos)
{
    (void)h, (void)bos;
    return UNSUPPORTED;
}

/* libusb_get_<capability>_descriptor(ctx, dev_cap, out) */
#define CAPABILITY(NAME)                                                          \
    API int libusb_get_##NAME##_descriptor(libusb_context *ctx, void *in, void **out) \
    {                                                                             \
        (void)ctx, (void)in, (void)out;                                           \
        return UNSUPPORTED;                                                       \
    }                                                                             \
    API void libusb_free_##NAME##_descriptor(void *d)                             \
    {                                                                             \
        (void)d;                                                                  \
    }
CAPABILITY(usb_2_0_extension)
CAPABILITY(ss_usb_device_capability)
CAPABILITY(ssplus_usb_device_capability)
CAPABILITY(container_id)
CAPABILITY(platform)
CAPABILITY(ss_endpoint_companion)

API void libusb_free_bos_descriptor(void *bos)
{
    (void)bos;
}

API int libusb_get_interface_association_descriptors(libusb_device *dev, uint8_t config_index,
                                                     void **array)
{
    (void)dev, (void)config_index, (void)array;
    return UNSUPPORTED;
}

API int libusb_get_active_interface_association_descriptors(libusb_device *dev, void **array)
{
    (void)dev, (void)array;
    return UNSUPPORTED;
}

API void libusb_free_interface_association_descriptors(void *array)
{
    (void)array;
}
