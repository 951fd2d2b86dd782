// The API token a user types in to edit a plan (or to run larger simulations). Kept in
// sessionStorage only: it lasts for this browser tab and is never sent anywhere but this
// server's API, as a bearer token.

const KEY = 'gameplan.apiToken';

/** The stored token, or '' when there is none (or storage is unavailable). */
export function getToken(): string {
  try {
    return window.sessionStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

/** Stores the token for this tab ('' forgets it). */
export function setToken(token: string): void {
  try {
    if (token) window.sessionStorage.setItem(KEY, token);
    else window.sessionStorage.removeItem(KEY);
  } catch {
    /* storage unavailable: the token is not kept */
  }
}
