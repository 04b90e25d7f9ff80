import { createServer, get, Server } from 'node:http';
import { AddressInfo, LookupFunction } from 'node:net';
import {
  assertDeliverableUrl,
  HostLookup,
  isPublicAddress,
  pinnedLookup,
  WebhookUrlError,
  WebhookUrlRefusal,
} from './webhook-url-guard';

type Answers = Array<{ address: string; family: number }>;

/** A resolver that knows a few names; there is no DNS in CI, and none may be queried. */
function fakeDns(records: Record<string, string[]>): HostLookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (host: string): Promise<Answers> => {
    asked.push(host);
    const addresses = records[host];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { asked });
}

const noDns: HostLookup = async (host) => {
  throw new Error(`unexpected DNS query for ${host}`);
};

async function refusal(url: string, opts: Parameters<typeof assertDeliverableUrl>[1]) {
  const error = await assertDeliverableUrl(url, opts).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WebhookUrlError);
  return (error as WebhookUrlError).reason;
}

const literal = (address: string): string =>
  address.includes(':') ? `https://[${address}]/hook` : `https://${address}/hook`;

describe('assertDeliverableUrl', () => {
  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '100.63.255.255', // just below CGNAT
    '100.128.0.0', // just above CGNAT
    '172.15.255.255', // just below 172.16/12
    '172.32.0.0', // just above 172.16/12
    '192.0.1.1', // just above 192.0.0/24
    '198.20.0.1', // just above 198.18/15
    '223.255.255.254', // last unicast below multicast
    '2606:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:93.184.216.34', // IPv4-mapped public
    '64:ff9b::5db8:d822', // NAT64 of 93.184.216.34
    '2002:5db8:d822::1', // 6to4 of 93.184.216.34
  ])('allows the public address %s', async (address) => {
    await expect(
      assertDeliverableUrl(literal(address), { allowedHosts: [], lookup: noDns }),
    ).resolves.toMatchObject({
      addresses: [new URL(literal(address)).hostname.replace(/[[\]]/g, '')],
    });
  });

  it.each([
    ['0.0.0.0', 'unspecified / this network'],
    ['0.1.2.3', '0.0.0.0/8'],
    ['10.0.0.1', 'private 10/8'],
    ['10.255.255.255', 'private 10/8'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.254', 'CGNAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.0.1', 'link-local'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.255', 'private 172.16/12'],
    ['192.0.0.170', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation'],
    ['192.168.1.1', 'private 192.168/16'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved 240/4'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'IPv6 unspecified'],
    ['::1', 'IPv6 loopback'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata'],
    ['::ffff:10.1.2.3', 'IPv4-mapped private'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['2002:7f00:1::1', '6to4 of loopback'],
    ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001:db8::1', 'documentation'],
    ['100::1', 'discard-only'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['4000::1', 'outside 2000::/3, unallocated'],
  ])('refuses %s (%s)', async (address) => {
    expect(await refusal(literal(address), { allowedHosts: [], lookup: noDns })).toBe(
      'non-public address',
    );
  });

  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://0xa9.0xfe.0xa9.0xfe/', '169.254.169.254'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[0:0:0:0:0:0:0:1]/', '[::1]'],
  ])('the URL parser turns %s into %s, which is refused', async (url, hostname) => {
    expect(new URL(url).hostname).toBe(hostname);
    expect(await refusal(url, { allowedHosts: [], lookup: noDns })).toBe('non-public address');
  });

  it.each<[string, WebhookUrlRefusal]>([
    ['ftp://example.com/hook', 'scheme not allowed'],
    ['file:///etc/passwd', 'scheme not allowed'],
    ['gopher://example.com:70/', 'scheme not allowed'],
    ['javascript:alert(1)', 'scheme not allowed'],
    ['http://user:pw@example.com/', 'credentials not allowed'],
    ['https://token@example.com/', 'credentials not allowed'],
    ['https://:pw@example.com/', 'credentials not allowed'],
    ['not a url', 'invalid url'],
    ['https://exa mple.com/', 'invalid url'],
    ['http://./', 'host required'],
  ])('refuses %s: %s', async (url, reason) => {
    const dns = fakeDns({ 'example.com': ['93.184.216.34'] });
    expect(await refusal(url, { allowedHosts: [], lookup: dns })).toBe(reason);
  });

  it('resolves a name and returns every address it checked', async () => {
    const dns = fakeDns({ 'hooks.example.com': ['93.184.216.34', '2606:2800:220:1::1'] });
    const result = await assertDeliverableUrl('https://Hooks.Example.com:8443/in?x=1', {
      allowedHosts: [],
      lookup: dns,
    });
    expect(result.url.href).toBe('https://hooks.example.com:8443/in?x=1');
    expect(result.addresses).toEqual(['93.184.216.34', '2606:2800:220:1::1']);
    expect(dns.asked).toEqual(['hooks.example.com']);
  });

  it('refuses a name when any one of its addresses is private (the client may pick any)', async () => {
    const dns = fakeDns({ 'rebind.example.com': ['93.184.216.34', '10.0.0.5'] });
    const error = await assertDeliverableUrl('https://rebind.example.com/', {
      allowedHosts: [],
      lookup: dns,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WebhookUrlError);
    expect(error).toMatchObject({ reason: 'non-public address', address: '10.0.0.5' });
    // The refused address is for our logs, not for the customer's error message.
    expect((error as Error).message).not.toContain('10.0.0.5');
  });

  it('refuses localhost unless it is an allowed host', async () => {
    const dns = fakeDns({ localhost: ['127.0.0.1', '::1'] });
    expect(await refusal('http://localhost:3000/', { allowedHosts: [], lookup: dns })).toBe(
      'non-public address',
    );
  });

  it.each([
    ['http://127.0.0.1:8080/hook', ['127.0.0.1'], ['127.0.0.1']],
    ['http://localhost:8080/hook', ['localhost'], ['127.0.0.1', '::1']],
    ['http://LocalHost.:8080/hook', ['localhost'], ['127.0.0.1', '::1']],
    ['http://[::1]:8080/hook', ['[0:0::1]'], ['::1']],
    ['http://2130706433:8080/', ['127.0.0.1'], ['127.0.0.1']],
  ])('exempts %s when allowedHosts is %j', async (url, allowedHosts, addresses) => {
    const dns = fakeDns({ localhost: ['127.0.0.1', '::1'], 'localhost.': ['127.0.0.1', '::1'] });
    await expect(assertDeliverableUrl(url, { allowedHosts, lookup: dns })).resolves.toMatchObject({
      addresses,
    });
  });

  it('does not exempt a different host because another one is allowed', async () => {
    const dns = fakeDns({ 'internal.corp': ['10.1.2.3'] });
    expect(
      await refusal('http://internal.corp/', {
        allowedHosts: ['127.0.0.1', 'localhost'],
        lookup: dns,
      }),
    ).toBe('non-public address');
  });

  it('reports a host that does not resolve, or resolves to nothing', async () => {
    const dns = fakeDns({ 'empty.example.com': [] });
    expect(await refusal('https://nxdomain.example.com/', { allowedHosts: [], lookup: dns })).toBe(
      'cannot resolve host',
    );
    expect(await refusal('https://empty.example.com/', { allowedHosts: [], lookup: dns })).toBe(
      'cannot resolve host',
    );
  });
});

describe('isPublicAddress', () => {
  it('fails closed on anything that is not an IP address', () => {
    for (const text of ['', 'localhost', '999.1.1.1', '[::1]', '1.2.3']) {
      expect(isPublicAddress(text)).toBe(false);
    }
  });

  it('ignores an IPv6 zone and still refuses the link-local address', () => {
    expect(isPublicAddress('fe80::1%eth0')).toBe(false);
  });
});

function callLookup(
  lookup: LookupFunction,
  options: Parameters<LookupFunction>[1],
): Promise<{ address: unknown; family?: number }> {
  return new Promise((resolve, reject) => {
    lookup('attacker-controlled.example', options, (err, address, family) =>
      err ? reject(err) : resolve({ address, family }),
    );
  });
}

describe('pinnedLookup', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  });

  it('answers any hostname with the checked addresses, honouring all and family', async () => {
    const lookup = pinnedLookup(['93.184.216.34', '2606:4700::1111']);
    await expect(callLookup(lookup, {})).resolves.toEqual({ address: '93.184.216.34', family: 4 });
    await expect(callLookup(lookup, { family: 6 })).resolves.toEqual({
      address: '2606:4700::1111',
      family: 6,
    });
    await expect(callLookup(lookup, { all: true })).resolves.toEqual({
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:4700::1111', family: 6 },
      ],
    });
    await expect(callLookup(lookup, { all: true, family: 'IPv4' })).resolves.toEqual({
      address: [{ address: '93.184.216.34', family: 4 }],
    });
  });

  it('fails the lookup when no checked address has the requested family', async () => {
    await expect(callLookup(pinnedLookup(['93.184.216.34']), { family: 6 })).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });
  });

  it('refuses to pin nothing or something that is not an address', () => {
    expect(() => pinnedLookup([])).toThrow(TypeError);
    expect(() => pinnedLookup(['example.com'])).toThrow(TypeError);
  });

  it('makes http.get connect to the pinned address whatever the hostname', async () => {
    const arrived: Array<{ host?: string; url?: string }> = [];
    const server = createServer((req, res) => {
      arrived.push({ host: req.headers.host, url: req.url });
      res.end('pinned');
    });
    servers.push(server);
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as AddressInfo;

    const body = await new Promise<string>((resolve, reject) => {
      const req = get(
        `http://anything.invalid:${port}/hook`,
        { lookup: pinnedLookup(['127.0.0.1']) },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
    });

    expect(body).toBe('pinned');
    // The Host header keeps the name, so virtual hosting on the receiver still works.
    expect(arrived).toEqual([{ host: `anything.invalid:${port}`, url: '/hook' }]);
  });
});
