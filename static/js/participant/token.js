// The participant token a phone keeps per join code, so a reload or a reconnect is the same person.

/**
 * The token stored for one join code (localStorage; in private mode it lives only in memory).
 * @param {string} code  the join code, in capitals
 */
export function tokenStore(code) {
  const key = `workshop:participant:${code}`;
  return {
    /** @returns {string | null} */
    load() {
      try {
        return window.localStorage.getItem(key);
      } catch {
        return null;
      }
    },
    /** Keep `value`, or forget the token with null. */
    save(/** @type {string | null} */ value) {
      try {
        if (value) window.localStorage.setItem(key, value);
        else window.localStorage.removeItem(key);
      } catch {
        /* private mode: the token then lives only in memory */
      }
    },
  };
}
