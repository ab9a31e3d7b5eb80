/* Status strings, the thread-local error message, checked size arithmetic. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static _Thread_local char sc_error_message[256];

const char *sc_status_string(sc_status s)
{
    switch (s) {
    case SC_OK: return "ok";
    case SC_INVALID_ARGUMENT: return "invalid argument";
    case SC_UNSUPPORTED: return "unsupported";
    case SC_OUT_OF_MEMORY: return "out of memory";
    }
    return "unknown status";
}

const char *sc_last_error(void) { return sc_error_message; }

sc_status sc_fail(sc_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sc_error_message, sizeof sc_error_message, fmt, ap);
    va_end(ap);
    return s;
}

int sc_mul_i64(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

int sc_add_i64(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

int sc_prod_i64(int64_t *out, int n, const int64_t *factors)
{
    int64_t p = 1;
    for (int i = 0; i < n; i++)
        if (factors[i] < 0 || !sc_mul_i64(p, factors[i], &p))
            return 0;
    *out = p;
    return 1;
}

const char *sc_version(void) { return SC_VERSION_STRING; }
