/**
 * The key a per-token memory (the verified-token cache, the introspection cache, DPoP's remembered
 * `ath` hashes) files a token under: its last characters, part of its signature or random, so the
 * key is short and cheap to hash where a whole 1-2 kB token would be hashed anew on every request.
 * Two tokens can share a key, so every user compares the whole token on a hit.
 *
 * @module
 */

/** Characters of a token's end that key it. */
const TOKEN_KEY_LENGTH = 32

/** The token's last {@link TOKEN_KEY_LENGTH} characters (the whole token when it is shorter). */
export function tokenKey(token: string): string {
  return token.length > TOKEN_KEY_LENGTH ? token.slice(-TOKEN_KEY_LENGTH) : token
}
