// The notes API, called with the signed-in user's access token.
export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

export function createNotesApi(apiUrl, session) {
  async function send(path, { method = "GET", body, headers = {} }, token) {
    const init = { method, headers: { Authorization: token, ...headers } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    try {
      return await fetch(new URL(path, apiUrl), init);
    } catch {
      throw new ApiError(0, "Could not reach the notes service. Check your connection and try again.");
    }
  }

  async function request(path, options = {}) {
    let response = await send(path, options, await session.accessToken());
    if (response.status === 401) {
      // Revoked or expired in the meantime: one refresh, one retry; then the user signs in.
      await session.refresh();
      response = await send(path, options, await session.accessToken());
    }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      throw new ApiError(response.status, data?.message || response.statusText || "Request failed", data?.field);
    }
    return data;
  }

  return {
    list: (cursor) => request(`notes?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
    create: (note, idempotencyKey) => request("notes", {
      method: "POST", body: note, headers: { "Idempotency-Key": idempotencyKey },
    }),
    update: (id, note) => request(`notes/${encodeURIComponent(id)}`, { method: "PUT", body: note }),
    remove: (id, version) => request(`notes/${encodeURIComponent(id)}?version=${version}`, { method: "DELETE" }),
  };
}
