/*
 * gp_number — reading decimal numbers fast and exactly, shared by the CSV
 * readers (observations, trials).
 *
 * gp_number_fast is Clinger's fast path (W. D. Clinger, "How to read
 * floating point numbers accurately", PLDI 1990): a plain decimal
 * [-+]digits[.digits][e[-+]digits] whose significand is an integer m <= 2^53
 * (exact in a double) and whose decimal exponent is within +-22 (so 10^e is
 * exact too) is one correctly rounded multiplication or division, hence the
 * very double strtod gives. Anything else (more digits, larger exponents,
 * hex, "inf", spaces) returns false and the caller falls back to strtod.
 */
#ifndef GP_NUMBER_H
#define GP_NUMBER_H

#include <stdbool.h>

/* 10^0 .. 10^22, every one exactly representable in a double. */
extern const double gp_number_pow10[23];

/* Reads the whole of s as a plain decimal into *out when the fast path
 * applies (then *out is exactly strtod's value); false otherwise, with *out
 * untouched. */
bool gp_number_fast(const char *s, double *out);

#endif
