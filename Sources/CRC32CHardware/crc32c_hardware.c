// CRC-32C with the CPU's own instructions. The Swift `CRC32C` type calls these when the CPU has
// them and keeps its table-driven version otherwise; both give the same checksum.
#include "crc32c_hardware.h"

#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>

int crc32c_hardware_available(void) { return __builtin_cpu_supports("sse4.2"); }

__attribute__((target("sse4.2"))) uint32_t crc32c_hardware_update(uint32_t state, const void *bytes, size_t count) {
  const unsigned char *p = bytes;
  uint64_t crc = state;
  while (count >= 8) {
    uint64_t word;
    memcpy(&word, p, 8);
    crc = _mm_crc32_u64(crc, word);
    p += 8;
    count -= 8;
  }
  uint32_t crc32 = (uint32_t)crc;
  while (count > 0) {
    crc32 = _mm_crc32_u8(crc32, *p);
    p += 1;
    count -= 1;
  }
  return crc32;
}

#elif defined(__aarch64__) && defined(__linux__)
#include <arm_acle.h>
#include <asm/hwcap.h>
#include <sys/auxv.h>

int crc32c_hardware_available(void) { return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0; }

__attribute__((target("crc"))) uint32_t crc32c_hardware_update(uint32_t state, const void *bytes, size_t count) {
  const unsigned char *p = bytes;
  uint32_t crc = state;
  while (count >= 8) {
    uint64_t word;
    memcpy(&word, p, 8);
    crc = __crc32cd(crc, word);
    p += 8;
    count -= 8;
  }
  while (count > 0) {
    crc = __crc32cb(crc, *p);
    p += 1;
    count -= 1;
  }
  return crc;
}

#else

int crc32c_hardware_available(void) { return 0; }

uint32_t crc32c_hardware_update(uint32_t state, const void *bytes, size_t count) {
  (void)bytes;
  (void)count;
  return state;
}

#endif
