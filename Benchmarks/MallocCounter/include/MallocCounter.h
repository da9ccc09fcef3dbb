#ifndef MALLOC_COUNTER_H
#define MALLOC_COUNTER_H

#include <stdint.h>

/// Heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) made by
/// any code in this process since it started.
uint64_t malloc_counter_allocations(void);

/// Bytes requested by those allocations.
uint64_t malloc_counter_bytes(void);

/// Calls to free with a non-null pointer since the process started.
uint64_t malloc_counter_frees(void);

#endif
