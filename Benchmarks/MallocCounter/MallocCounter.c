// Counts heap allocations without extra packages or LD_PRELOAD: the executable defines the
// allocation functions itself, so the dynamic linker binds every caller in the process (the
// Swift runtime, Foundation, libc) to these definitions, and they forward to glibc's
// allocator through its exported __libc_* entry points.
//
// glibc-specific: the __libc_* names exist in glibc only. The benchmark checks at startup that
// counting works (see AllocationCounter.swift) instead of trusting this.

#include "MallocCounter.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *pointer);

static uint64_t allocations;
static uint64_t bytes;
static uint64_t frees;

static inline void record(size_t size) {
  __atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&bytes, size, __ATOMIC_RELAXED);
}

uint64_t malloc_counter_allocations(void) { return __atomic_load_n(&allocations, __ATOMIC_RELAXED); }
uint64_t malloc_counter_bytes(void) { return __atomic_load_n(&bytes, __ATOMIC_RELAXED); }
uint64_t malloc_counter_frees(void) { return __atomic_load_n(&frees, __ATOMIC_RELAXED); }

void *malloc(size_t size) {
  record(size);
  return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
  record(count * size);
  return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
  record(size);
  return __libc_realloc(pointer, size);
}

void free(void *pointer) {
  if (pointer != NULL) __atomic_fetch_add(&frees, 1, __ATOMIC_RELAXED);
  __libc_free(pointer);
}

static int is_power_of_two(size_t value) { return value != 0 && (value & (value - 1)) == 0; }

int posix_memalign(void **result, size_t alignment, size_t size) {
  if (!is_power_of_two(alignment) || alignment % sizeof(void *) != 0) return EINVAL;
  record(size);
  void *pointer = __libc_memalign(alignment, size);
  if (pointer == NULL) return ENOMEM;
  *result = pointer;
  return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
  record(size);
  return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
  record(size);
  return __libc_memalign(alignment, size);
}
