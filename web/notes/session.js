// The signed-in user's tokens, refreshed before they expire.
// Access and ID tokens live in memory only; the refresh token is kept in sessionStorage (this tab,
// until it closes or the user signs out) so a reload keeps the user signed in. The strict CSP is
// what keeps other scripts from reading it.

const STORAGE_KEY = "notes.session";
const REFRESH_AHEAD_MS = 5 * 60 * 1000; // refresh five minutes before the access token expires
const MIN_VALIDITY_MS = 60 * 1000; // a request never leaves with a token about to expire

export class SessionEnded extends Error {}

function claims(token) {
  const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))));
}

export function createSession(userPool, { onChange = () => {} } = {}) {
  let tokens = null; // { accessToken, idToken, refreshToken, expiresAt, email }
  let timer = null;
  let refreshing = null;

  function schedule() {
    clearTimeout(timer);
    if (!tokens) return;
    const delay = Math.max(0, tokens.expiresAt - Date.now() - REFRESH_AHEAD_MS);
    timer = setTimeout(() => { refresh().catch(() => {}); }, delay);
  }

  function keep(result, refreshToken, email) {
    const id = claims(result.IdToken);
    const access = claims(result.AccessToken);
    tokens = {
      accessToken: result.AccessToken,
      idToken: result.IdToken,
      refreshToken,
      // The token's lifetime, counted on this device's clock: a clock that is off does not make
      // every token look expired (and refresh in a loop).
      expiresAt: Date.now() + (access.exp - access.iat) * 1000,
      email: id.email || email,
    };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ refreshToken, email: tokens.email }));
    schedule();
    onChange(tokens.email);
  }

  function forget() {
    clearTimeout(timer);
    tokens = null;
    sessionStorage.removeItem(STORAGE_KEY);
    onChange(null);
  }

  async function refresh() {
    const saved = tokens || JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    if (!saved?.refreshToken) throw new SessionEnded("Please sign in.");
    // One refresh at a time: concurrent callers wait for the same one.
    refreshing ??= userPool.refresh(saved.refreshToken)
      .then((result) => keep(result, saved.refreshToken, saved.email))
      .catch((error) => {
        forget();
        throw new SessionEnded(error.type === "NetworkError" ? error.message : "Your session has ended. Please sign in again.");
      })
      .finally(() => { refreshing = null; });
    return refreshing;
  }

  return {
    get email() { return tokens?.email ?? null; },
    async signIn(email, password) {
      const result = await userPool.signIn(email, password);
      keep(result, result.RefreshToken, email);
    },
    // After a reload: back in with the stored refresh token, if there is one.
    async resume() {
      if (!sessionStorage.getItem(STORAGE_KEY)) return false;
      try { await refresh(); return true; } catch { return false; }
    },
    // A token good for at least another minute (refreshing first if need be).
    async accessToken() {
      if (!tokens) await refresh();
      else if (tokens.expiresAt - Date.now() < MIN_VALIDITY_MS) await refresh();
      return tokens.accessToken;
    },
    refresh,
    async signOut() {
      const refreshToken = tokens?.refreshToken;
      forget();
      // Revoked, the refresh token cannot mint new tokens; the access token expires on its own.
      if (refreshToken) await userPool.revoke(refreshToken).catch(() => {});
    },
    end: forget,
  };
}
