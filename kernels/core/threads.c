/* Thread counts. The only OpenMP calls outside the executors. */
#include <omp.h>

#include "internal.h"

int sc_threads_for_plan(int requested)
{
    if (requested > 0)
        return requested;
    int n = omp_get_max_threads();
    return n > 0 ? n : 1;
}

int sc_threads_for_run(int plan_threads, int64_t work_items)
{
    /* Nested runs stay on the calling thread: the caller already owns the cores. */
    if (omp_in_parallel())
        return 1;
    int64_t n = plan_threads;
    if (work_items < n)
        n = work_items;
    return n < 1 ? 1 : (int)n;
}
