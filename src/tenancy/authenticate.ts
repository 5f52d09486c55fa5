/** The gateway's checks, in AEP's order: token present, API key present, token valid, key matches, org granted. */
import { DomainError } from '../shared/errors.js';
import type { Grant, TokenVerifier } from './credentials.js';

/** The credential headers of a request, as sent. */
export interface CredentialHeaders {
  readonly authorization: string | undefined;
  readonly apiKey: string | undefined;
  readonly orgId: string | undefined;
}

/** Who a request acts as, after every check passed. */
export interface Principal {
  readonly orgId: string;
  readonly clientId: string;
  readonly grant: Grant;
}

/** Verifies the headers and returns the principal, or throws the AUTH_* error the gateway would answer with. */
export async function authenticate(headers: CredentialHeaders, verify: TokenVerifier): Promise<Principal> {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (!headers.authorization) throw new DomainError('AUTH_TOKEN_MISSING', 'Oauth token is missing.');
  if (!headers.apiKey) throw new DomainError('AUTH_API_KEY_MISSING', 'Api Key is required');
  if (!bearer?.[1]) throw new DomainError('AUTH_TOKEN_INVALID', 'Oauth token is not valid', { reason: 'not a Bearer token' });
  const grant = await verify(bearer[1]);
  if (grant.clientId !== headers.apiKey) throw new DomainError('AUTH_API_KEY_INVALID', 'Api Key is invalid');
  if (!headers.orgId) throw new DomainError('AUTH_ORG_MISSING', 'Missing header', { header: 'x-gw-ims-org-id' });
  if (!grant.orgs.includes(headers.orgId)) throw new DomainError('AUTH_ORG_NOT_GRANTED', 'Profile is not valid');
  return { orgId: headers.orgId, clientId: grant.clientId, grant };
}
