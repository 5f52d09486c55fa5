/** The credential an edge node presents to its hub: an HS256 token signed with the secret both were given. */
import { SignJWT, jwtVerify } from 'jose';
import { edgeError } from './edge.js';

/** Signs a short-lived token for an edge of `dataCenter`. */
export async function issueEdgeToken(secret: string, dataCenter: string, now = Date.now(), ttlSeconds = 3600): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ edge: dataCenter })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('rtprofile-edge')
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

/** Checks an edge's bearer token; returns the data center it was issued for, or throws EDGE_STREAM_REFUSED. */
export async function verifyEdgeToken(secret: string | undefined, authorization: string | undefined, now = Date.now()): Promise<string> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!secret) throw edgeError('EDGE_STREAM_REFUSED', 'this hub has no HS256 secret, so it cannot check edge credentials: give it JWT_SECRET');
  if (!token) throw edgeError('EDGE_STREAM_REFUSED', 'an edge credential (Authorization: Bearer <edge token>) is required');
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'], issuer: 'rtprofile-edge', requiredClaims: ['exp'], currentDate: new Date(now) });
    if (typeof payload.edge !== 'string') throw new Error('no edge claim');
    return payload.edge;
  } catch (err) {
    throw edgeError('EDGE_STREAM_REFUSED', `the edge credential is not valid: ${(err as Error).message}`);
  }
}
