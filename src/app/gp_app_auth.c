/*
 * gp_app_auth — API tokens; see gp_app.h.
 *
 * A token is 32 random bytes from libsodium (randombytes_buf), shown once
 * as "gp_" + URL-safe base64. Only its BLAKE2b-256 hash (crypto_generichash)
 * is stored: the token has 256 bits of entropy, so a fast hash is enough
 * (no password stretching is needed), and lookup is by hash.
 */
#include <sodium.h>
#include <string.h>

#include "app/gp_app.h"

static gp_code gp_sodium(gp_error *err) {
  if (sodium_init() < 0) return gp_fail(err, GP_EINTERNAL, NULL, "libsodium failed to start");
  return GP_OK;
}

static void gp_token_hash(const char *token, unsigned char hash[32]) {
  crypto_generichash(hash, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

gp_code gp_app_token_new(gp_store *s, const char *label, char *buf, size_t n, gp_error *err) {
  gp_code rc = gp_sodium(err);
  if (rc) return rc;
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof raw);
  if (n < strlen(b64) + 4) return gp_fail(err, GP_EINTERNAL, NULL, "token buffer too small");
  snprintf(buf, n, "gp_%s", b64);
  unsigned char hash[32];
  gp_token_hash(buf, hash);
  return gp_store_token_add(s, hash, label ? label : "token", err);
}

gp_code gp_app_token_check(gp_store *s, const char *token, bool *ok, char *label, gp_error *err) {
  *ok = false;
  gp_code rc = gp_sodium(err);
  if (rc) return rc;
  if (!token || strncmp(token, "gp_", 3) || strlen(token) > 128) return GP_OK;
  unsigned char hash[32];
  gp_token_hash(token, hash);
  return gp_store_token_check(s, hash, ok, label, err);
}
