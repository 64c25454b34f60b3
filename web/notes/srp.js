// SRP-6a as Amazon Cognito's USER_SRP_AUTH speaks it, with the browser's BigInt and Web Crypto:
// the password never leaves the page; the page proves to Cognito that it knows it.
// Group: RFC 5054's 3072-bit prime, generator 2, SHA-256. Cognito's own conventions: numbers are
// hashed as big-endian hex with a sign byte (padHex), the password hash covers the pool's name,
// the user id for SRP and the password, and the key comes from HKDF ("Caldera Derived Key").

const N = BigInt(
  "0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E" +
  "3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF" +
  "5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D3" +
  "9A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08" +
  "CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183" +
  "995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458D" +
  "BEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FF" +
  "A06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3" +
  "143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);
const G = 2n;
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const encoder = new TextEncoder();

export function padHex(value) {
  const hex = value.toString(16);
  if (hex.length % 2) return `0${hex}`;
  return "89abcdef".includes(hex[0]) ? `00${hex}` : hex;
}

function hexToBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

async function hashHex(hex) {
  return BigInt(`0x${bytesToHex(await sha256(hexToBytes(hex)))}`);
}

async function hmac(key, message) {
  const imported = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", imported, message));
}

function modPow(base, exponent, modulus) {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function randomBigInt(bytes) {
  return BigInt(`0x${bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)))}`);
}

export function timestamp(date = new Date()) {
  const two = (n) => String(n).padStart(2, "0");
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`;
}

// Start a sign-in: SRP_A goes into InitiateAuth; answer() turns the PASSWORD_VERIFIER challenge
// into its ChallengeResponses.
export async function startSrp() {
  let a; let A;
  do {
    a = randomBigInt(128);
    A = modPow(G, a, N);
  } while (A % N === 0n);
  const k = await hashHex(padHex(N) + padHex(G));
  return {
    srpA: A.toString(16),
    async answer({ poolId, password, parameters, now = new Date() }) {
      const userId = parameters.USER_ID_FOR_SRP;
      const B = BigInt(`0x${parameters.SRP_B}`);
      if (B % N === 0n) throw new Error("The sign-in challenge is not valid.");
      const salt = BigInt(`0x${parameters.SALT}`);
      const u = await hashHex(padHex(A) + padHex(B));
      if (u === 0n) throw new Error("The sign-in challenge is not valid.");
      const poolName = poolId.split("_")[1];
      const secret = bytesToHex(await sha256(encoder.encode(`${poolName}${userId}:${password}`)));
      const x = await hashHex(padHex(salt) + secret);
      const S = modPow(B - k * modPow(G, x, N), a + u * x, N);
      const prk = await hmac(hexToBytes(padHex(u)), hexToBytes(padHex(S)));
      const key = (await hmac(prk, encoder.encode("Caldera Derived Key\u0001"))).slice(0, 16);
      const when = timestamp(now);
      const secretBlock = Uint8Array.from(atob(parameters.SECRET_BLOCK), (c) => c.charCodeAt(0));
      const message = concat(encoder.encode(poolName), encoder.encode(userId), secretBlock, encoder.encode(when));
      const signature = btoa(String.fromCharCode(...(await hmac(key, message))));
      return {
        USERNAME: userId,
        PASSWORD_CLAIM_SECRET_BLOCK: parameters.SECRET_BLOCK,
        TIMESTAMP: when,
        PASSWORD_CLAIM_SIGNATURE: signature,
      };
    },
  };
}
