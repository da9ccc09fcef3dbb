#ifndef CRC32C_HARDWARE_H
#define CRC32C_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU computes CRC-32C in hardware (x86-64 SSE 4.2, or ARMv8 CRC).
int crc32c_hardware_available(void);

/// Advances the raw (not inverted) CRC-32C `state` over `count` bytes at `bytes` with the CPU's
/// CRC instructions. Call only when `crc32c_hardware_available()` is nonzero.
uint32_t crc32c_hardware_update(uint32_t state, const void *bytes, size_t count);

#endif
