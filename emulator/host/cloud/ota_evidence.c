/* Why an update that Device OS accepted is not what the device runs: the
 * device's flash after its reset, read the way the Photon's bootloader
 * reads it (ota.h). Device OS queues an accepted module in the first free
 * OTA slot of the DCT (magic 0xABCD; source the OTA area, destination the
 * module's start address, length module + 4 for its CRC). At its next
 * start the bootloader takes every queued slot, repeats its own checks on
 * the module in the OTA area (FLASH_CheckCopyMemory: source and destination
 * inside the flash, platform, destination == the module's start, function,
 * CRC-32), copies it only if they pass, and marks the slot free (0xFFFF)
 * either way. Device OS checks a module's end address against the place of
 * its kind, never its start; the bootloader checks that the copy lands in
 * the flash. (Device OS hal/src/stm32/ota_module.cpp fetch_module,
 * platform/MCU/STM32F2xx/SPARK_Firmware_Driver/src/flash_mal.c.) */
#include "ota.h"

#include <stdio.h>
#include <string.h>

#define SLOT_PENDING 0xABCD

typedef struct slot {
    uint16_t magic;
    uint32_t src, dst, len;
    uint8_t flags, func;
} slot;

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static slot slot_at(const cloud_flash_view *v, int i)
{
    const uint8_t *p = v->slots + i * CLOUD_DCT_SLOT_SIZE;
    return (slot){.magic = (uint16_t)(p[0] | p[1] << 8), .src = le32(p + 4), .dst = le32(p + 8),
                  .len = le32(p + 12), .flags = p[16], .func = p[17]};
}

/* [addr, addr + len) inside the flash, as the bootloader's range check
 * (FLASH_CheckValidAddressRange: the last byte at most the flash's end). */
static bool in_flash(const cloud_flash_view *v, uint32_t addr, uint32_t len)
{
    return len && addr >= v->base && (uint64_t)addr + len - 1 <= (uint64_t)v->base + v->size;
}

/* Bytes of the file that the OTA area no longer holds. */
static size_t ota_area_diff(const ota_track *t, const cloud_flash_view *v)
{
    uint32_t off = v->ota_area - v->base;
    size_t n = 0;
    for (size_t i = 0; i < t->size; i++)
        n += off + i >= v->size || v->flash[off + i] != t->file[i];
    return n;
}

/* Which of the bootloader's checks the queued module fails, in its order. */
static void copy_check(const ota_track *t, const cloud_flash_view *v, const slot *s,
                       uint16_t platform, char *out, size_t n)
{
    uint32_t lo = v->base, hi = v->base + v->size - 1;
    if (!in_flash(v, s->src, s->len)) {
        snprintf(out, n, "the slot's source 0x%08x..+%u is outside the flash", s->src, s->len);
        return;
    }
    if (!in_flash(v, s->dst, s->len)) {
        snprintf(out, n,
                 "the module's start address 0x%08x is outside the flash (0x%08x-0x%08x): the "
                 "bootloader refuses a copy that does not land in the flash (Device OS checks "
                 "only where a module ends)",
                 s->dst, lo, hi);
        return;
    }
    module_info mi;
    char err[160];
    uint32_t avail = v->base + v->size - s->src;
    if (module_parse(v->flash + (s->src - v->base), s->len < avail ? s->len : avail, &mi, err,
                     sizeof(err))) {
        snprintf(out, n, "the OTA area holds no module any more (%s)", err);
        return;
    }
    if (mi.platform != platform && mi.func != MODULE_FUNC_RESOURCE)
        snprintf(out, n, "the module in the OTA area is for platform %u, not %u", mi.platform,
                 platform);
    else if (mi.start != s->dst)
        snprintf(out, n, "the module in the OTA area starts at 0x%08x, the slot says 0x%08x",
                 mi.start, s->dst);
    else if (mi.func != s->func)
        snprintf(out, n, "the module in the OTA area is a %s module, the slot says %s",
                 module_func_name(mi.func), module_func_name(s->func));
    else if (!mi.crc_ok)
        snprintf(out, n,
                 "the module in the OTA area fails its CRC-32 (stored %08x, computed %08x; "
                 "%zu byte(s) differ from the file sent): it changed after Device OS checked it",
                 mi.crc_stored, mi.crc_computed, ota_area_diff(t, v));
    else
        snprintf(out, n, "the module in the OTA area passes every check the bootloader makes; "
                         "the copy itself failed (a flash erase or program error)");
}

int ota_evidence_explain(const ota_track *t, const cloud_flash_view *v, uint16_t platform,
                         char *out, size_t n)
{
    if (!v->dct_ok || !t->file)
        return -1;
    uint32_t len = t->end - t->start + 4;
    int found = -1;
    for (int i = 1; i < CLOUD_DCT_SLOTS; i++) {
        slot s = slot_at(v, i);
        if (s.src == v->ota_area && s.dst == t->start && s.len == len) {
            found = i;
            if (s.magic == SLOT_PENDING)
                break;
        }
    }
    size_t diff = ota_area_diff(t, v);
    char area[96];
    if (diff)
        snprintf(area, sizeof(area), "%zu byte(s) of the OTA area differ from the file sent",
                 diff);
    else
        snprintf(area, sizeof(area), "the OTA area still holds the file sent");
    if (found < 0) {
        snprintf(out, n, "Device OS queued no copy of it in the DCT (no OTA slot names it; %s)",
                 area);
        return 0;
    }
    slot s = slot_at(v, found);
    if (s.magic == SLOT_PENDING) {
        snprintf(out, n,
                 "the update still waits in DCT slot %d: the bootloader never processed it (it "
                 "did not reach the DCT; %s)",
                 found, area);
        return 0;
    }
    char why[300];
    copy_check(t, v, &s, platform, why, sizeof(why));
    snprintf(out, n, "the bootloader took DCT slot %d, refused it and cleared it: %s", found, why);
    return 0;
}
