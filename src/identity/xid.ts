/** XIDs: the opaque, URL-safe string form of an identity (namespace id + value) that AEP's APIs accept and return. */

/** Encodes (namespace id, value) as an XID. */
export function toXid(nsid: number, id: string): string {
  return Buffer.from(`${nsid}:${id}`, 'utf8').toString('base64url');
}

/** Decodes an XID, or undefined when it is not one of ours. */
export function fromXid(xid: string): { nsid: number; id: string } | undefined {
  if (!/^[A-Za-z0-9_-]{3,}$/.test(xid)) return undefined;
  const text = Buffer.from(xid, 'base64url').toString('utf8');
  const match = /^(\d{1,12}):([\s\S]+)$/.exec(text);
  if (!match || toXid(Number(match[1]), match[2]!) !== xid) return undefined;
  return { nsid: Number(match[1]), id: match[2]! };
}
