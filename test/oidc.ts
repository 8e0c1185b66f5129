// An identity provider for the tests: an RS256 key pair, tokens signed with it (as a CI system's OIDC issuer
// signs them), and its public keys as a JWKS file the emulator checks signatures with.
import { createSign, generateKeyPairSync, type KeyObject } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IdentityProvider } from '../lib/emulator/sts/jwt';

export const ISSUER = 'https://token.actions.example.test';
export const AUDIENCE = 'sts.tencentcloudapi.com';

export interface TestIssuer {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
  /** The provider as the emulator takes it (named `name`, checking signatures). */
  provider(name?: string): IdentityProvider;
  /** A token for `claims` (iss, aud, sub, iat and exp an hour on, unless given). */
  token(claims?: Record<string, unknown>): string;
  /** A JWKS file of the public key (for scf-emulator --oidc-jwks). */
  jwksFile(): string;
}

export function testIssuer(kid = 'test-key'): TestIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicKey,
    kid,
    provider: (name = 'OIDC') => ({ name, issuer: ISSUER, audiences: [AUDIENCE], keys: new Map([[kid, publicKey]]) }),
    token: (claims = {}) => signToken({ iss: ISSUER, aud: AUDIENCE, sub: 'repo:team/shop:ref:refs/heads/main', iat: now(), exp: now() + 3600, ...claims }, privateKey, kid),
    jwksFile: () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scf-jwks-')), 'jwks.json');
      fs.writeFileSync(file, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] }));
      return file;
    },
  };
}

const now = () => Math.floor(Date.now() / 1000);

export function signToken(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(claims)}`;
  return `${head}.${createSign('sha256').update(head).sign(key).toString('base64url')}`;
}
