/**
 * Who may use `kshield serve`: holders of its bearer token (one generated at start, or read from
 * `--token-file`), and, with `--oidc-issuer`, holders of a token that issuer signed for the
 * configured audience. Credentials travel only in the Authorization header, never in a cookie: a
 * browser never attaches that header to a request another site makes it send, which is what makes
 * the dashboard safe from cross-site request forgery (see docs/serve.md).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { OidcVerifier, TokenError } from './oidc.js';

export interface Identity {
  /** "token" or "oidc:SUBJECT": what the server logs about a request. */
  kind: 'token' | 'oidc';
  name: string;
}

export type AuthResult = { ok: true; identity: Identity } | { ok: false; reason: string };

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A new random token: 32 bytes, base64url (43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export class Authenticator {
  private readonly tokens: Buffer[];

  constructor(
    tokens: readonly string[],
    private readonly oidc?: OidcVerifier,
  ) {
    this.tokens = tokens.map(digest);
  }

  /** The identity an Authorization header proves. */
  async authenticate(header: string | undefined): Promise<AuthResult> {
    if (!header) return { ok: false, reason: 'no bearer token: send Authorization: Bearer TOKEN' };
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (!token) return { ok: false, reason: 'the Authorization header is not "Bearer TOKEN"' };
    // Compared as digests in constant time, against every token, so timing says nothing about which matched.
    const d = digest(token);
    let matched = false;
    for (const known of this.tokens) matched = timingSafeEqual(d, known) || matched;
    if (matched) return { ok: true, identity: { kind: 'token', name: 'token' } };
    if (this.oidc && token.split('.').length === 3) {
      try {
        const who = await this.oidc.verify(token);
        return { ok: true, identity: { kind: 'oidc', name: who.name } };
      } catch (error) {
        if (error instanceof TokenError) return { ok: false, reason: error.message };
        return { ok: false, reason: 'the OIDC token could not be checked' };
      }
    }
    return { ok: false, reason: 'the token is not valid' };
  }
}
