/* gp_number — see gp_number.h. */
#include "io/gp_number.h"

#include <stdint.h>

/* Exact powers of ten (all representable in a double). */
const double gp_number_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Clinger's fast path: a plain decimal [-+]digits[.digits][e[-+]digits] whose
 * significand is an integer m <= 2^53 (exact in a double) and whose decimal
 * exponent is within ±22 (10^e exact too) is one correctly rounded
 * multiplication or division: the same double strtod gives. Returns false
 * when the fast path does not apply (strtod then decides). */
bool gp_number_fast(const char *s, double *out) {
  const char *p = s;
  bool neg = false;
  if (*p == '-')
    neg = true, p++;
  else if (*p == '+')
    p++;
  uint64_t m = 0;
  const char *d0 = p;
  while ((unsigned)(*p - '0') < 10)
    m = m * 10 + (uint64_t)(*p++ - '0');
  long digits = p - d0, frac = 0;
  if (*p == '.') {
    const char *f0 = ++p;
    while ((unsigned)(*p - '0') < 10)
      m = m * 10 + (uint64_t)(*p++ - '0');
    frac = p - f0;
    digits += frac;
  }
  /* at most 19 digits cannot overflow 64 bits; the significand must be exact */
  if (digits == 0 || digits > 19 || m > (1ULL << 53)) return false;
  long exp10 = -frac;
  if (*p == 'e' || *p == 'E') {
    p++;
    bool eneg = false;
    if (*p == '-')
      eneg = true, p++;
    else if (*p == '+')
      p++;
    if ((unsigned)(*p - '0') >= 10) return false;
    long e = 0;
    while ((unsigned)(*p - '0') < 10) {
      if (e > 1000) return false;
      e = e * 10 + (*p++ - '0');
    }
    exp10 += eneg ? -e : e;
  }
  if (*p) return false;
  if (m == 0) {
    *out = neg ? -0.0 : 0.0;
    return true;
  }
  if (exp10 < -22 || exp10 > 22) return false;
  double v = (double)m;
  v = exp10 < 0 ? v / gp_number_pow10[-exp10] : v * gp_number_pow10[exp10];
  *out = neg ? -v : v;
  return true;
}
