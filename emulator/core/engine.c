#define _GNU_SOURCE /* dladdr */
#include "engine.h"

#include <dlfcn.h>
#include <stdio.h>

#include "machine.h"

uint32_t engine_version(void)
{
    unsigned major = 0, minor = 0;
    unsigned v = uc_version(&major, &minor);
    return ENGINE_VERSION(major, minor, (v >> 8) & 0xFF);
}

void engine_describe(char *buf, size_t n)
{
    uint32_t v = engine_version();
    Dl_info info;
    const char *where = dladdr((void *)uc_version, &info) && info.dli_fname
                            ? info.dli_fname : "linked statically";
    snprintf(buf, n, "Unicorn %u.%u.%u (%s)", v >> 16, (v >> 8) & 0xFF, v & 0xFF, where);
}

#if UC_API_MAJOR > 2 || (UC_API_MAJOR == 2 && UC_API_MINOR >= 1)
/* Identity mapping. Data accesses get no execute right, so their TLB entry
 * keeps stores fast; fetches get every right, and a fetch where the
 * Cortex-M default map is execute-never fails on the memory map instead
 * (cpu.c hook_unmapped turns that into the MemManage fault). */
static bool hook_tlb_fill(uc_engine *uc, uint64_t vaddr, uc_mem_type type,
                          uc_tlb_entry *result, void *ud)
{
    (void)uc;
    (void)ud;
    result->paddr = vaddr;
    result->perms = type == UC_MEM_FETCH ? UC_PROT_ALL : UC_PROT_READ | UC_PROT_WRITE;
    return true;
}

int engine_fast_stores(machine *m)
{
    if (engine_version() < ENGINE_VERSION(2, 1, 2))
        return 0;
    uc_hook h;
    if (uc_ctl_tlb_mode(m->uc, UC_TLB_VIRTUAL) != UC_ERR_OK ||
        uc_hook_add(m->uc, &h, UC_HOOK_TLB_FILL, (void *)hook_tlb_fill, m, 1, 0) != UC_ERR_OK)
        return -1;
    return 0;
}
#else
/* Built against 2.0 headers: correct on any later library, only slower. */
int engine_fast_stores(machine *m)
{
    (void)m;
    return 0;
}
#endif
