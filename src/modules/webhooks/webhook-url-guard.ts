import { promises as dnsPromises, LookupAddress, LookupOptions } from 'node:dns';
import { BlockList, isIP, LookupFunction } from 'node:net';

/**
 * SSRF protection for customer-supplied webhook URLs.
 *
 * A webhook URL makes our server send requests wherever a customer points it, so an address
 * inside our network (a database, 169.254.169.254 cloud metadata, an admin port on loopback)
 * must never be reachable through one.
 *
 * Call `assertDeliverableUrl` at registration (to give the customer a clear error) and again
 * before every delivery: DNS answers change, and a host that resolved to a public address at
 * registration can be re-pointed at 127.0.0.1 later (DNS rebinding). The second check is not
 * enough on its own either, because the HTTP client would resolve the name once more when it
 * connects; so delivery must connect to one of the `addresses` returned here, by passing
 * `pinnedLookup(addresses)` as the request's `lookup` option. The Host header and TLS SNI still
 * use the hostname, so virtual hosting and certificate checks work as usual.
 *
 * Redirects must not be followed: a 3xx would point the request at an unchecked URL.
 */

export type WebhookUrlRefusal =
  | 'invalid url'
  | 'scheme not allowed'
  | 'credentials not allowed'
  | 'host required'
  | 'cannot resolve host'
  | 'non-public address';

export class WebhookUrlError extends Error {
  override readonly name = 'WebhookUrlError';

  /**
   * `address` is the refused address, for our logs only: echoing what one of our resolvers
   * answered for an internal name back to a customer would map our network for them.
   */
  constructor(
    readonly reason: WebhookUrlRefusal,
    readonly address?: string,
  ) {
    super(reason);
  }
}

export type HostLookup = (host: string) => Promise<Array<{ address: string; family: number }>>;

export interface DeliverableUrlOptions {
  /** Hosts exempt from the address rule whatever they resolve to (`WEBHOOK_ALLOWED_HOSTS`). */
  allowedHosts: string[];
  /** Resolves a hostname; tests inject one because there is no DNS in CI. */
  lookup?: HostLookup;
}

/** IANA special-purpose IPv4 ranges that are not globally reachable. */
const IPV4_BLOCKED: ReadonlyArray<readonly [network: string, prefix: number]> = [
  ['0.0.0.0', 8], // "this network"; Linux connects 0.0.0.0 to localhost
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT, often internal in clouds
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, home of cloud metadata endpoints
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments (includes some metadata services)
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes broadcast 255.255.255.255
];

/** IANA special-purpose IPv6 ranges that are not globally reachable. */
const IPV6_BLOCKED: ReadonlyArray<readonly [network: string, prefix: number]> = [
  ['::', 96], // unspecified, loopback and deprecated IPv4-compatible addresses
  ['::ffff:0:0:0', 96], // deprecated SIIT IPv4-translated
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID; no web servers
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['5f00::', 16], // SRv6 segment identifiers
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
];

/**
 * Prefixes whose addresses carry an IPv4 address that the host's stack or a gateway will
 * connect to, so `::ffff:127.0.0.1` or `64:ff9b::a9fe:a9fe` reach 127.0.0.1 or 169.254.169.254.
 * Each blocked IPv4 range is blocked again inside each of them.
 */
const IPV4_EMBEDDINGS: ReadonlyArray<(network: string, prefix: number) => [string, number]> = [
  (network, prefix) => [`::ffff:${network}`, 96 + prefix], // IPv4-mapped
  (network, prefix) => [`64:ff9b::${network}`, 96 + prefix], // well-known NAT64
  (network, prefix) => [`2002:${ipv4AsHexGroups(network)}::`, 16 + prefix], // 6to4
];

function ipv4AsHexGroups(address: string): string {
  const [a, b, c, d] = address.split('.').map(Number);
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

const blocked = new BlockList();
for (const [network, prefix] of IPV4_BLOCKED) {
  blocked.addSubnet(network, prefix, 'ipv4');
  for (const embed of IPV4_EMBEDDINGS) blocked.addSubnet(...embed(network, prefix), 'ipv6');
}
for (const [network, prefix] of IPV6_BLOCKED) blocked.addSubnet(network, prefix, 'ipv6');

// Outside 2000::/3 IANA has allocated no global unicast space, so anything else there is
// refused too, except the two prefixes whose embedded IPv4 address was checked above.
const ipv6Public = new BlockList();
ipv6Public.addSubnet('2000::', 3, 'ipv6');
ipv6Public.addSubnet('::ffff:0:0', 96, 'ipv6');
ipv6Public.addSubnet('64:ff9b::', 96, 'ipv6');

/** True when `address` is an IP address a webhook may be delivered to. */
export function isPublicAddress(address: string): boolean {
  // Resolvers may append an IPv6 zone (`fe80::1%eth0`); a zone only exists on link-local.
  const bare = address.split('%')[0];
  const family = isIP(bare);
  // BlockList answers false for text it cannot parse, so unknown input must fail closed here.
  if (family === 4) return !blocked.check(bare, 'ipv4');
  if (family === 6) return ipv6Public.check(bare, 'ipv6') && !blocked.check(bare, 'ipv6');
  return false;
}

/** Lower case, no IPv6 brackets, no trailing root dot, IPv6 in the URL parser's canonical form. */
function normaliseHost(host: string): string {
  let bare = host.trim().toLowerCase().replace(/\.$/, '');
  if (bare.startsWith('[') && bare.endsWith(']')) bare = bare.slice(1, -1);
  return isIP(bare) === 6 ? new URL(`http://[${bare}]/`).hostname.slice(1, -1) : bare;
}

const systemLookup: HostLookup = (host) => dnsPromises.lookup(host, { all: true, verbatim: true });

async function resolve(host: string, lookup: HostLookup): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  let answers: Array<{ address: string; family: number }>;
  try {
    answers = await lookup(host);
  } catch {
    throw new WebhookUrlError('cannot resolve host');
  }
  if (answers.length === 0) throw new WebhookUrlError('cannot resolve host');
  return answers.map((answer) => answer.address);
}

/**
 * Refuses a URL our server must not send a webhook to, and returns the addresses it was
 * checked against so the delivery can connect to exactly those (see `pinnedLookup`).
 *
 * The WHATWG parser already turns numeric tricks (`http://2130706433/`, `http://0x7f.1/`,
 * `http://017700000001/`) into dotted quads, so an IP-literal host is checked as an address.
 * A refusal of any one resolved address refuses the URL: the client may pick any of them.
 */
export async function assertDeliverableUrl(
  url: string,
  opts: DeliverableUrlOptions,
): Promise<{ url: URL; addresses: string[] }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookUrlError('invalid url');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new WebhookUrlError('scheme not allowed');
  }
  // Credentials in a URL end up in logs and delivery listings; the secret signs requests instead.
  if (parsed.username !== '' || parsed.password !== '') {
    throw new WebhookUrlError('credentials not allowed');
  }
  const host = normaliseHost(parsed.hostname);
  if (host === '') throw new WebhookUrlError('host required');

  const addresses = await resolve(host, opts.lookup ?? systemLookup);
  const allowed = opts.allowedHosts.some((entry) => normaliseHost(entry) === host);
  if (!allowed) {
    const refused = addresses.find((address) => !isPublicAddress(address));
    if (refused !== undefined) throw new WebhookUrlError('non-public address', refused);
  }
  return { url: parsed, addresses };
}

type LookupCallback = Parameters<LookupFunction>[2];

function familyNumber(family: LookupOptions['family']): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

/**
 * A `lookup` for `http.request` / `https.request` / `net.connect` that answers every hostname
 * with the addresses `assertDeliverableUrl` checked, so nothing can re-point the connection
 * between the check and the connect. Honours `options.all` (used by Node's happy-eyeballs
 * connect) and `options.family`.
 */
export function pinnedLookup(addresses: string[]): LookupFunction {
  const pinned: LookupAddress[] = addresses.map((address) => {
    const family = isIP(address);
    if (family === 0) throw new TypeError(`pinnedLookup: not an IP address: ${address}`);
    return { address, family };
  });
  if (pinned.length === 0) throw new TypeError('pinnedLookup: no addresses');

  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const family = familyNumber(options.family);
    const matching = pinned.filter((entry) => family === 0 || entry.family === family);
    // Real lookups answer asynchronously and net.connect relies on that to attach listeners.
    process.nextTick(() => {
      if (matching.length === 0) {
        const error: NodeJS.ErrnoException = new Error(
          `pinnedLookup: no IPv${family} address for ${hostname}`,
        );
        error.code = 'ENOTFOUND';
        callback(error, '');
      } else if (options.all) {
        callback(null, matching);
      } else {
        callback(null, matching[0].address, matching[0].family);
      }
    });
  };
}
