/* 64-byte aligned allocation: packed panels and workspaces are read with
   aligned vector loads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void *sc_malloc(size_t bytes)
{
    if (bytes == 0)
        bytes = 64;
    if (bytes > SIZE_MAX - 63)
        return NULL;
    return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
}

void *sc_calloc(size_t bytes)
{
    void *p = sc_malloc(bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void sc_free(void *p) { free(p); }

void *sc_align64(void *p)
{
    uintptr_t u = (uintptr_t)p;
    return (void *)((u + 63) & ~(uintptr_t)63);
}
