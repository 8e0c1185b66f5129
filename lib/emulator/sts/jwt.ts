// A web identity token (a JWT) as STS checks it against an identity provider of the account: well-formed,
// signed by the provider's keys (when the emulator has them: it cannot fetch an issuer's keys, having no
// network), issued by the provider's issuer, for one of its audiences, and in its time window.
import { createPublicKey, type KeyObject, verify } from 'crypto';
import * as fs from 'fs';
import { ApiFault } from '../api-fault';

export interface IdentityProvider {
  /** ProviderId: the provider's name in CAM. */
  name: string;
  /** The issuer (`iss`) its tokens carry, e.g. https://token.actions.githubusercontent.com. */
  issuer: string;
  /** Client ids (`aud`) it accepts; none: any. */
  audiences: string[];
  /** Its public keys, by `kid` ('' for a key without one); none: signatures are not checked. */
  keys: Map<string, KeyObject>;
}

/** How far a token's times may be off the emulator's clock. */
const SKEW_S = 60;
const ALGORITHMS: Record<string, { hash: string; dsa?: boolean }> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  ES256: { hash: 'sha256', dsa: true },
  ES384: { hash: 'sha384', dsa: true },
};

function tokenError(why: string): ApiFault {
  return new ApiFault('InvalidParameter.WebIdentityTokenError', `The web identity token is not valid: ${why}.`);
}

function part(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw tokenError(`its ${what} is not base64url JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw tokenError(`its ${what} is not a JSON object`);
  // Read into an object without a prototype: token fields never become keys of one that has.
  return Object.assign(Object.create(null), parsed);
}

/** The token's claims, when `provider` accepts it at `nowS`; an InvalidParameter.WebIdentityTokenError otherwise. */
export function verifyWebIdentityToken(token: string, provider: IdentityProvider, nowS: number): Record<string, unknown> {
  const pieces = token.split('.');
  if (pieces.length !== 3 || pieces.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) throw tokenError('it is not a JWT (three base64url parts)');
  const header = part(pieces[0], 'header');
  const claims = part(pieces[1], 'payload');
  const alg = String(header.alg ?? '');
  if (!Object.prototype.hasOwnProperty.call(ALGORITHMS, alg)) throw tokenError(`its algorithm ${JSON.stringify(alg).slice(0, 20)} is not accepted`);
  if (provider.keys.size) {
    const kid = typeof header.kid === 'string' ? header.kid : '';
    const candidates = provider.keys.has(kid) ? [provider.keys.get(kid)!] : kid ? [] : [...provider.keys.values()];
    const { hash, dsa } = ALGORITHMS[alg];
    const data = Buffer.from(`${pieces[0]}.${pieces[1]}`);
    const signature = Buffer.from(pieces[2], 'base64url');
    const ok = candidates.some((key) => {
      try {
        return verify(hash, data, dsa ? { key, dsaEncoding: 'ieee-p1363' } : key, signature);
      } catch {
        return false;
      }
    });
    if (!ok) throw tokenError(`its signature does not match a key of identity provider ${provider.name}`);
  }
  if (claims.iss !== provider.issuer) throw tokenError(`it was issued by ${JSON.stringify(claims.iss).slice(0, 120)}, not by ${provider.issuer}`);
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (provider.audiences.length && !audiences.some((a) => typeof a === 'string' && provider.audiences.includes(a))) throw tokenError(`its audience is not one of identity provider ${provider.name}'s client ids`);
  if (typeof claims.exp !== 'number') throw tokenError('it has no expiry (exp)');
  if (claims.exp + SKEW_S < nowS) throw tokenError(`it expired at ${new Date(claims.exp * 1000).toISOString()}`);
  if (typeof claims.nbf === 'number' && claims.nbf - SKEW_S > nowS) throw tokenError('it is not valid yet (nbf)');
  if (typeof claims.sub !== 'string' || !claims.sub) throw tokenError('it names no subject (sub)');
  return claims;
}

/** The public keys of a JWKS file ({"keys": [JWK...]}, as an issuer publishes them), by kid. */
export function readJwks(file: string): Map<string, KeyObject> {
  let parsed: any;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`the key set ${file} cannot be read as JSON: ${(error as Error).message}`);
  }
  const keys = new Map<string, KeyObject>();
  for (const jwk of Array.isArray(parsed?.keys) ? parsed.keys : []) {
    try {
      keys.set(typeof jwk.kid === 'string' ? jwk.kid : '', createPublicKey({ key: jwk, format: 'jwk' }));
    } catch (error) {
      throw new Error(`a key of ${file} is not a public JWK: ${(error as Error).message}`);
    }
  }
  if (!keys.size) throw new Error(`the key set ${file} holds no keys ({"keys": [...]})`);
  return keys;
}
